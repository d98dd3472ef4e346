package tlc_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/trace"
)

var tlcLineRe = regexp.MustCompile(`^line (\d+) `)

// TestTraceCorpusTLC checks every trace of spec/tla/testdata with TLC
// through VSRTrace.tla and with the Go replay (trace.Validate): both must
// give the trace's expected verdict (accept-* accepted, reject-*
// rejected), and where both name the first line that does not match, TLC
// names the same line or, for the second line of a quorum pair, the pair's
// first.
func TestTraceCorpusTLC(t *testing.T) {
	jar, err := tlc.Jar()
	if err != nil {
		t.Skipf("skipping trace validation with TLC: %v (set %s to the path of tla2tools.jar to run it)", err, tlc.JarEnv)
	}
	files, err := filepath.Glob(filepath.Join(tlaDir, "testdata", "*.ndjson"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := strings.HasPrefix(filepath.Base(file), "accept-")

			f, err := os.Open(file)
			require.NoError(t, err)
			h, lines, err := trace.Read(f)
			f.Close()
			require.NoError(t, err)
			rej, err := trace.Validate(h, lines)
			require.NoError(t, err)
			require.Equal(t, want, rej == nil, "Go: %v", rej)

			v, err := tlc.ValidateTrace(context.Background(), jar, file)
			require.NoError(t, err)
			accepted, why := v.Accepted, v.Why
			t.Logf("Go: %v; TLC: accepted %v %s", rej, accepted, why)
			require.Equal(t, want, accepted, "TLC: %s", why)
			if rej != nil {
				require.Equal(t, rej.Broken, v.Broken, "both validators find a counterexample of the same predicate, or neither does")
			}
			if m := tlcLineRe.FindStringSubmatch(why); m != nil && rej != nil {
				line, _ := strconv.Atoi(m[1])
				require.Contains(t, []int{rej.Line, rej.Line - 1}, line, "TLC: %s; Go: %v", why, rej)
			}
		})
	}
}

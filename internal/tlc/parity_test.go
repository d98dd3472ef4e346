package tlc_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// parityConfigs are the bounded configurations on which TLC and the Go
// checker must find the same number of distinct states and the same
// verdict, each the defaults with the settings given, as vsrgen check's
// flags take them. They are small enough for TLC to exhaust in minutes.
var parityConfigs = []struct {
	name     string
	settings []string
}{
	{"standard, depth 10", []string{"viewchanges", "2", "depth", "10"}},
	{"startview-fixed", nil},
	{"crash and recovery", []string{"viewchanges", "0", "crashes", "1", "recovery-timeouts", "1"}},
	{"crash and recovery, paper", []string{"viewchanges", "0", "crashes", "1", "recovery-timeouts", "1", "recovery", "paper"}},
	{"loss", []string{"values", "1", "drops", "1"}},
	{"loss and duplication", []string{"viewchanges", "0", "drops", "1", "duplicates", "1"}},
	{"state transfer, paper, depth 9", []string{"viewchanges", "2", "statetransfer", "paper", "depth", "9"}},
	{"commit timeouts unbounded", []string{"viewchanges", "0", "commit-timeouts", "-1"}},
	{"two clients", []string{"viewchanges", "0", "clients", "2"}},
	{"five replicas, depth 7", []string{"replicas", "5", "values", "1", "depth", "7"}},
	{"startview-fixed, symmetry", []string{"symmetry", "true"}},
	{"loss and duplication, 3 values, symmetry", []string{"viewchanges", "0", "values", "3", "drops", "1", "duplicates", "1", "symmetry", "true"}},
	{"startview-literal (violation)", []string{"startview-in-normal", "true"}},
	{"batched, three clients", []string{"viewchanges", "0", "clients", "3", "values", "3", "batch", "2", "pipeline", "1"}},
	{"batched, two clients, view change", []string{"clients", "2", "batch", "2", "pipeline", "1"}},
	{"checkpoints, compact view change", []string{"checkpoint", "1", "viewchange-log", "1"}},
	{"checkpoints, crash and recovery", []string{"viewchanges", "0", "checkpoint", "1", "crashes", "1", "recovery-timeouts", "1"}},
	{"leases, no writes", []string{"values", "0", "lease", "2", "lease-margin", "2", "lease-timeouts", "1", "ticks", "2"}},
	{"reconfiguration, replace a replica, a write", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "viewchanges", "0", "values", "1"}},
	{"reconfiguration, replace a replica, a commit timeout", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "viewchanges", "0", "values", "0", "commit-timeouts", "1"}},
	{"reconfiguration, replace a replica, a view change", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "values", "0"}},
	{"reconfiguration, grow 3 to 5", []string{"replicas", "5", "members", "0,1,2", "reconfigure", "0,1,2,3,4", "viewchanges", "0", "values", "0"}},
	{"reconfiguration, shrink 5 to 3", []string{"replicas", "5", "members", "0,1,2,3,4", "reconfigure", "0,1,2", "viewchanges", "0", "values", "0"}},
	{"reconfiguration, replace a replica, a lost message, a view change, depth 11", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "values", "0", "drops", "1", "depth", "11"}},
	{"reconfiguration, replace a replica, a write, a lost message, a commit timeout, depth 9", []string{"replicas", "4", "members", "0,1,2", "reconfigure", "0,1,3", "viewchanges", "0", "values", "1", "drops", "1", "commit-timeouts", "1", "depth", "9"}},
}

// config returns the default configuration with settings applied.
func config(t *testing.T, settings []string) bounded.Config {
	t.Helper()
	c, err := bounded.Of(settings...)
	require.NoError(t, err)
	return c
}

// goCheck runs the Go checker on c with BFS.
func goCheck(t *testing.T, c bounded.Config) *modelcheck.Result {
	t.Helper()
	o := modelcheck.Options{Mode: modelcheck.BFS, MaxDepth: c.Depth, Symmetry: c.Symmetry}
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, c.InitialReplicas(), c.Bounds(), o)
	require.NoError(t, err)
	return res
}

// TestParity runs TLC on VSR.tla and the Go checker on the same bounded
// configurations and compares the number of distinct states and the
// verdict. It needs TLC: set TLA2TOOLS_JAR to the path of tla2tools.jar.
func TestParity(t *testing.T) {
	jar, err := tlc.Jar()
	if err != nil {
		t.Skipf("skipping the TLC parity check: %v (set %s to the path of tla2tools.jar to run it)", err, tlc.JarEnv)
	}
	if testing.Short() {
		t.Skip("skipping the TLC parity check in -short mode: it takes minutes")
	}
	dir := t.TempDir()
	require.NoError(t, tlc.WriteModules(dir))
	for i, pc := range parityConfigs {
		t.Run(pc.name, func(t *testing.T) {
			c := config(t, pc.settings)
			start := time.Now()
			g := goCheck(t, c)
			goTime := time.Since(start)
			cfg := fmt.Sprintf("parity%d.cfg", i)
			require.NoError(t, os.WriteFile(filepath.Join(dir, cfg), []byte(tlc.Config(c, []string{pc.name})), 0o644))
			r, err := tlc.Run(context.Background(), jar, dir, "VSR", cfg, 2)
			require.NoError(t, err)
			t.Logf("| %s | %d | %s | %d | %s | %s |", pc.name, g.Distinct, goTime.Round(time.Millisecond),
				r.Distinct, r.Elapsed.Round(time.Second), verdict(g.Violation != nil, r.Violation))
			require.Equal(t, g.Violation != nil, r.Violation != "", "verdicts differ: Go %v, TLC %q", g.Violation, r.Violation)
			if g.Violation == nil {
				require.Equal(t, g.Distinct, r.Distinct, "distinct states differ")
			}
		})
	}
}

func verdict(goViolation bool, tlcViolation string) string {
	if !goViolation && tlcViolation == "" {
		return "no violation"
	}
	if goViolation && tlcViolation != "" {
		return "violation: " + tlcViolation
	}
	return "DIFFER"
}

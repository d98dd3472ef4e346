package tlc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/viewstamped/vsr/bounded"
)

// TraceConfig renders the TLC configuration that checks the trace in
// traceFile (an absolute path) with VSRTrace.tla: the constants of VSR.tla
// come from the trace's header.
func TraceConfig(traceFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\\* Checks %s against VSR.tla.\n", filepath.Base(traceFile))
	fmt.Fprintf(&b, "CONSTANTS\n    TraceFile = %s\n", strconv.Quote(traceFile))
	// The constants of VSR.tla come from the header, but the depth bound,
	// which a trace does not need.
	c := bounded.Default()
	for _, k := range c.TLCConstants() {
		if k.Name != "MaxDepth" {
			fmt.Fprintf(&b, "    %s <- Trace%s\n", k.Name, k.Name)
		}
	}
	fmt.Fprintf(&b, "    MaxDepth = 0\n")
	fmt.Fprintf(&b, "INIT TraceInit\nNEXT TraceNext\nCONSTRAINT TrackProgress\nPOSTCONDITION TraceAccepted\n")
	writeChecks(&b)
	return b.String()
}

var matchedRe = regexp.MustCompile(`<<"VSRTrace: matched lines", (\d+), "of", (\d+)>>`)

// ValidateTrace checks the trace in traceFile against VSR.tla with TLC
// (jar is tla2tools.jar). It returns whether TLC accepted the whole trace
// and, if not, why: the first line that matches no action, or the
// invariant or action property that breaks. An error means TLC could not
// check the trace at all.
func ValidateTrace(ctx context.Context, jar, traceFile string) (accepted bool, why string, err error) {
	abs, err := filepath.Abs(traceFile)
	if err != nil {
		return false, "", err
	}
	if strings.ContainsAny(abs, "\"\\\n") {
		return false, "", fmt.Errorf("tlc: the trace's path %q has characters a TLC configuration cannot hold", abs)
	}
	dir, err := os.MkdirTemp("", "vsrtrace-")
	if err != nil {
		return false, "", err
	}
	defer os.RemoveAll(dir)
	if err := WriteModules(dir); err != nil {
		return false, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "MCTrace.cfg"), []byte(TraceConfig(abs)), 0o644); err != nil {
		return false, "", err
	}
	// One worker: VSRTrace keeps the furthest line matched in a TLC
	// register, which is per worker.
	res, runErr := Run(ctx, jar, dir, "VSRTrace", "MCTrace.cfg", 1)
	if res == nil {
		return false, "", runErr
	}
	m := matchedRe.FindStringSubmatch(res.Output)
	switch {
	case runErr != nil && !strings.HasPrefix(res.Violation, "Assumption"):
		// TLC could not evaluate the trace: a fault of the module or of
		// a file it could not read.
		return false, "", runErr
	case res.Violation != "" && !strings.HasPrefix(res.Violation, "Assumption"):
		// An invariant or action property broke in a state the trace
		// reaches.
		return false, fmt.Sprintf("%s (after %d steps of VSR.tla)", res.Violation, max(res.Depth-1, 0)), nil
	case m != nil:
		matched, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		if matched == total && runErr == nil && res.Violation == "" {
			return true, "", nil
		}
		if matched < total {
			// File line = seq + 1: the header is line 1.
			return false, fmt.Sprintf("line %d (seq %d) matches no action of VSR.tla from the state the lines before it reach", matched+2, matched+1), nil
		}
		return false, "", fmt.Errorf("tlc: matched all %d lines but did not accept the trace:\n%s", total, tail(res.Output, 20))
	case strings.HasPrefix(res.Violation, "Assumption"):
		return false, "the header or the step numbering breaks an assumption of VSRTrace.tla (" + res.Violation + ")", nil
	}
	if runErr != nil {
		return false, "", runErr
	}
	return false, "", fmt.Errorf("tlc: no verdict:\n%s", tail(res.Output, 20))
}

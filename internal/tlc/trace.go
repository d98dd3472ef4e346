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

// Verdict is what TLC says of a trace.
type Verdict struct {
	// Accepted: the whole trace is a behavior of VSR.tla that breaks
	// nothing.
	Accepted bool
	// Broken names the invariant or action property (by its Go name) that
	// a state the trace reaches breaks: the trace is a behavior of
	// VSR.tla, and a counterexample.
	Broken string
	// Why says what TLC found when it did not accept the trace: the first
	// line that matches no action, or what broke.
	Why string
}

var brokenRe = regexp.MustCompile(`^(?:Invariant (\w+)|Action property Always(\w+)) is violated`)

// ValidateTrace checks the trace in traceFile against VSR.tla with TLC
// (jar is tla2tools.jar). An error means TLC could not check the trace at
// all.
func ValidateTrace(ctx context.Context, jar, traceFile string) (Verdict, error) {
	abs, err := filepath.Abs(traceFile)
	if err != nil {
		return Verdict{}, err
	}
	if strings.ContainsAny(abs, "\"\\\n") {
		return Verdict{}, fmt.Errorf("tlc: the trace's path %q has characters a TLC configuration cannot hold", abs)
	}
	dir, err := os.MkdirTemp("", "vsrtrace-")
	if err != nil {
		return Verdict{}, err
	}
	defer os.RemoveAll(dir)
	if err := WriteModules(dir); err != nil {
		return Verdict{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "MCTrace.cfg"), []byte(TraceConfig(abs)), 0o644); err != nil {
		return Verdict{}, err
	}
	// One worker: VSRTrace keeps the furthest line matched in a TLC
	// register, which is per worker.
	res, runErr := Run(ctx, jar, dir, "VSRTrace", "MCTrace.cfg", 1)
	if res == nil {
		return Verdict{}, runErr
	}
	m := matchedRe.FindStringSubmatch(res.Output)
	switch {
	case runErr != nil && !strings.HasPrefix(res.Violation, "Assumption"):
		// TLC could not evaluate the trace: a fault of the module or of
		// a file it could not read.
		return Verdict{}, runErr
	case res.Violation != "" && !strings.HasPrefix(res.Violation, "Assumption"):
		// An invariant or action property broke in a state the trace
		// reaches.
		v := Verdict{Why: fmt.Sprintf("%s (after %d steps of VSR.tla)", res.Violation, max(res.Depth-1, 0))}
		if b := brokenRe.FindStringSubmatch(res.Violation); b != nil {
			v.Broken = b[1] + b[2]
		}
		return v, nil
	case m != nil:
		matched, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		if matched == total && runErr == nil && res.Violation == "" {
			return Verdict{Accepted: true}, nil
		}
		if matched < total {
			// File line = seq + 1: the header is line 1.
			return Verdict{Why: fmt.Sprintf("line %d (seq %d) matches no action of VSR.tla from the state the lines before it reach", matched+2, matched+1)}, nil
		}
		return Verdict{}, fmt.Errorf("tlc: matched all %d lines but did not accept the trace:\n%s", total, tail(res.Output, 20))
	case strings.HasPrefix(res.Violation, "Assumption"):
		return Verdict{Why: "the header or the step numbering breaks an assumption of VSRTrace.tla (" + res.Violation + ")"}, nil
	}
	if runErr != nil {
		return Verdict{}, runErr
	}
	return Verdict{}, fmt.Errorf("tlc: no verdict:\n%s", tail(res.Output, 20))
}

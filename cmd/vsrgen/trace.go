//go:build !vsrgen_bootstrap

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/trace"
)

func init() {
	traceCommand = runTrace
	validateTLC = func(file string) (tlc.Verdict, error) {
		jar, err := tlc.Jar()
		if err != nil {
			return tlc.Verdict{}, err
		}
		return tlc.ValidateTrace(context.Background(), jar, file)
	}
}

// validateTLC, when set, checks a trace file against VSR.tla through
// VSRTrace.tla with TLC and returns TLC's verdict; an error means that TLC
// could not check it. vsrgen trace validate calls it only when the
// environment variable TLA2TOOLS_JAR names the TLA+ tools' jar.
var validateTLC func(traceFile string) (tlc.Verdict, error)

const traceUsage = `usage: vsrgen trace validate [flags] FILE
       vsrgen trace chart [-o OUT] FILE

Subcommands:
  validate  check that a trace (spec/tla/TRACE.md) is a behavior of the spec
  chart     draw a trace as a message sequence chart, an SVG file
`

func runTrace(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, traceUsage)
		return 2
	}
	switch args[0] {
	case "validate":
		return runValidate(args[1:], stdout, stderr)
	case "chart":
		return runChart(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, traceUsage)
		return 0
	}
	fmt.Fprintf(stderr, "vsrgen trace: unknown subcommand %q\n%s", args[0], traceUsage)
	return 2
}

// runValidate runs vsrgen trace validate: the Go replay of the trace, then
// TLC's when TLA2TOOLS_JAR is set. It exits 1 when either rejects the
// trace, 2 on bad usage, a file that is not a trace, or a validator that
// could not run.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen trace validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	useTLC := fs.Bool("tlc", true, "also check the trace with TLC against VSR.tla when "+tlc.JarEnv+" names tla2tools.jar")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: vsrgen trace validate [flags] FILE\n\n"+
			"Replays the trace in FILE through the model checker's semantics of the spec and\n"+
			"prints the first line that is not a step of the spec, or whose step breaks an\n"+
			"invariant or action property. Exit status: 0 accepted; 1 rejected, not a\n"+
			"behavior of the spec (or the validators disagree); 3 a counterexample, a\n"+
			"behavior of the spec that breaks an invariant or action property; 2 bad usage\n"+
			"or not a trace.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "vsrgen trace validate: want one trace file, not %d arguments\n", fs.NArg())
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	h, lines, err := readTraceFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen trace validate: %v\n", err)
		return 2
	}
	rej, err := trace.Validate(h, lines)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen trace validate: %s: %v\n", file, err)
		return 2
	}
	// What each validator found: accepted, a behavior of the spec that
	// breaks a predicate (a counterexample), or not a behavior at all.
	verdicts := []verdict{goVerdict(rej)}
	if rej != nil {
		fmt.Fprintf(stdout, "Go: %s: %v\n", verdicts[0], rej)
	} else {
		fmt.Fprintf(stdout, "Go: accepted: %d lines\n", len(lines))
	}
	switch jar := os.Getenv(tlc.JarEnv); {
	case !*useTLC:
		fmt.Fprintln(stdout, "TLC: skipped (-tlc=false)")
	case jar == "":
		fmt.Fprintf(stdout, "TLC: skipped (%s is not set)\n", tlc.JarEnv)
	case validateTLC == nil:
		fmt.Fprintln(stdout, "TLC: skipped (this build has no TLC validation)")
	default:
		v, err := validateTLC(file)
		if err != nil {
			fmt.Fprintf(stderr, "vsrgen trace validate: TLC: %v\n", err)
			if rej == nil {
				return 2
			}
			break
		}
		verdicts = append(verdicts, tlcVerdict(v))
		if v.Accepted {
			fmt.Fprintln(stdout, "TLC: accepted")
		} else {
			fmt.Fprintf(stdout, "TLC: %s: %s\n", verdicts[1], v.Why)
		}
	}
	return exitStatus(verdicts)
}

// verdict is what one validator found of a trace: accepted (the zero
// verdict), rejected (not a behavior of the spec), or a counterexample (a
// behavior of the spec that breaks the predicate named).
type verdict struct {
	rejected bool
	broken   string
}

func (v verdict) String() string {
	switch {
	case v.broken != "":
		return "counterexample"
	case v.rejected:
		return "rejected"
	}
	return "accepted"
}

func goVerdict(rej *trace.Rejection) verdict {
	if rej == nil {
		return verdict{}
	}
	return verdict{rejected: true, broken: rej.Broken}
}

func tlcVerdict(v tlc.Verdict) verdict {
	return verdict{rejected: !v.Accepted, broken: v.Broken}
}

// exitStatus is vsrgen trace validate's exit status: 0 when every
// validator accepted the trace, 3 when every one found it a behavior of
// the spec that breaks the same invariant or action property, and 1
// otherwise: a validator found that it is not a behavior of the spec, or
// the validators disagree.
func exitStatus(verdicts []verdict) int {
	first := verdicts[0]
	for _, v := range verdicts[1:] {
		if v != first {
			return 1
		}
	}
	switch {
	case first.broken != "":
		return 3
	case first.rejected:
		return 1
	}
	return 0
}

// readTraceFile reads the trace in file.
func readTraceFile(file string) (trace.Header, []trace.Line, error) {
	f, err := os.Open(file)
	if err != nil {
		return trace.Header{}, nil, err
	}
	defer f.Close()
	h, lines, err := trace.Read(f)
	if err != nil {
		return h, nil, fmt.Errorf("%s: %w", file, err)
	}
	return h, lines, nil
}

// runChart runs vsrgen trace chart: it draws the trace in FILE as a
// message sequence chart into OUT, FILE with .svg for its extension by
// default.
func runChart(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen trace chart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "the SVG file to write; FILE with the extension .svg when empty")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "vsrgen trace chart: want one trace file, not %d arguments\n", fs.NArg())
		return 2
	}
	file := fs.Arg(0)
	if *out == "" {
		*out = strings.TrimSuffix(file, filepath.Ext(file)) + ".svg"
	}
	h, lines, err := readTraceFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen trace chart: %v\n", err)
		return 2
	}
	if err := writeChart(*out, h, lines); err != nil {
		fmt.Fprintf(stderr, "vsrgen trace chart: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "The chart is in %s.\n", *out)
	return 0
}

// writeChart draws the trace h, lines into the file path.
func writeChart(path string, h trace.Header, lines []trace.Line) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := trace.Chart(f, h, lines); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

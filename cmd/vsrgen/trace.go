//go:build !vsrgen_bootstrap

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/viewstamped/vsr/internal/tlc"
	"github.com/viewstamped/vsr/trace"
)

func init() {
	traceCommand = runTrace
	validateTLC = func(file string) (bool, string, error) {
		jar, err := tlc.Jar()
		if err != nil {
			return false, "", err
		}
		return tlc.ValidateTrace(context.Background(), jar, file)
	}
}

// validateTLC, when set, checks a trace file against VSR.tla through
// VSRTrace.tla with TLC: it reports whether TLC accepted the whole trace
// and, when not, why; an error means that TLC could not check it. vsrgen
// trace validate calls it only when the environment variable TLA2TOOLS_JAR
// names the TLA+ tools' jar.
var validateTLC func(traceFile string) (accepted bool, why string, err error)

const traceUsage = `usage: vsrgen trace validate [flags] FILE

Subcommands:
  validate  check that a trace (spec/tla/TRACE.md) is a behavior of the spec
`

func runTrace(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, traceUsage)
		return 2
	}
	switch args[0] {
	case "validate":
		return runValidate(args[1:], stdout, stderr)
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
			"prints the first line that is not a step of the spec. Exit status: 0 accepted,\n"+
			"1 rejected, 2 bad usage or not a trace.\n\nFlags:\n")
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
	code := 0
	if rej != nil {
		fmt.Fprintf(stdout, "Go: rejected: %v\n", rej)
		code = 1
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
		accepted, why, err := validateTLC(file)
		switch {
		case err != nil:
			fmt.Fprintf(stderr, "vsrgen trace validate: TLC: %v\n", err)
			if code == 0 {
				code = 2
			}
		case !accepted:
			fmt.Fprintf(stdout, "TLC: rejected: %s\n", why)
			code = 1
		default:
			fmt.Fprintln(stdout, "TLC: accepted")
		}
	}
	return code
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

// Command vsrgen compiles a protocol spec into Go handlers and model-checks
// the result.
//
//	vsrgen gen [-spec DIR] [-out DIR]
//
// reads the spec package in -spec and writes the generated package to -out.
// A malformed spec prints "file:line: vsrgen: stage: what is wrong" for each
// problem and exits 1 without writing anything.
//
//	vsrgen check [flags]
//
// explores every interleaving of a bounded cluster of the spec's replicas
// and exits 0 when no invariant breaks within the bounds, 1 with the
// shortest counterexample found when one does. Bad usage exits 2. With
// -trace FILE it writes the counterexample, or in walk mode the last walk,
// as a trace (spec/tla/TRACE.md).
//
//	vsrgen trace validate [flags] FILE
//
// checks that a trace is a behavior of the spec, with the model checker's
// semantics and, when TLA2TOOLS_JAR names the TLA+ tools, with TLC against
// VSR.tla. It exits 0 when accepted; 1 when rejected, with the first line
// that is not a step of the spec (or when the two validators disagree); 3
// for a counterexample, a behavior of the spec whose last step breaks an
// invariant or action property; and 2 on bad usage or a file that is not a
// trace.
//
//	vsrgen trace chart [-o OUT] FILE
//
// draws a trace as a message sequence chart, a self-contained SVG file.
//
//	vsrgen sim [flags]
//
// runs seeded simulations of the runtime's replicas (package sim): faults
// drawn per seed or given by flags, the spec's invariants after every
// step, a liveness phase, and porcupine over the clients' history. It
// exits 0 when every seed passes, 1 at the first failure, with the seed,
// the step, what broke and the command that replays it, and 2 on bad
// usage. With -trace FILE it writes the run as a trace for vsrgen trace
// validate.
//
// A bad flag prints one line saying what is wrong and exits 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/viewstamped/vsr/gen"
	"github.com/viewstamped/vsr/gen/load"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

const usage = `usage: vsrgen gen [-spec DIR] [-out DIR]
       vsrgen check [-config FILE] [flags]
       vsrgen trace validate [flags] FILE
       vsrgen trace chart [-o OUT] FILE
       vsrgen sim [flags]

Commands:
  gen     compile the spec package in -spec into the package in -out
  check   model-check a bounded configuration (vsrgen check -h lists the flags)
  trace   validate a trace (spec/tla/TRACE.md) against the spec, or draw it
  sim     simulate the runtime's replicas under seeded faults (vsrgen sim -h lists the flags)
`

// checkCommand and traceCommand run vsrgen check and vsrgen trace; they
// are nil in the bootstrap build that go generate uses.
var checkCommand, traceCommand, simCommand func(args []string, stdout, stderr io.Writer) int

// parse parses args with fs. A bad flag prints one line, naming the
// command and what is wrong, and -h prints the flags; when the command is
// not to go on, parse returns false and the exit status.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) (int, bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(stderr)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return 0, false
	}
	fmt.Fprintf(stderr, "%s: %v (%s -h lists the flags)\n", fs.Name(), err, fs.Name())
	return 2, false
}

func run(args []string, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "gen":
		return runGen(args[1:], stderr)
	case "check":
		if checkCommand == nil {
			fmt.Fprintln(stderr, "vsrgen: this build has no check command (built with the vsrgen_bootstrap tag)")
			return 2
		}
		return checkCommand(args[1:], os.Stdout, stderr)
	case "sim":
		if simCommand == nil {
			fmt.Fprintln(stderr, "vsrgen: this build has no sim command (built with the vsrgen_bootstrap tag)")
			return 2
		}
		return simCommand(args[1:], os.Stdout, stderr)
	case "trace":
		if traceCommand == nil {
			fmt.Fprintln(stderr, "vsrgen: this build has no trace command (built with the vsrgen_bootstrap tag)")
			return 2
		}
		return traceCommand(args[1:], os.Stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, usage)
		return 0
	}
	fmt.Fprintf(stderr, "vsrgen: unknown command %q\n%s", args[0], usage)
	return 2
}

func runGen(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specDir := fs.String("spec", ".", "directory of the spec package")
	outDir := fs.String("out", "../generated", "directory of the generated package")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vsrgen gen: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if err := gen.Generate(*specDir, *outDir); err != nil {
		var errs load.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
		} else {
			fmt.Fprintln(stderr, err)
		}
		return 1
	}
	return 0
}

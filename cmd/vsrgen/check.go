//go:build !vsrgen_bootstrap

// The check command imports the generated package. go generate builds
// vsrgen with the vsrgen_bootstrap tag, which leaves this file out, so
// that generation works while generated/ is stale, broken or missing.

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"time"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

func init() { checkCommand = runCheck }

// checkFlags are the flags of vsrgen check that say how to search; the
// bounded configuration's flags are package bounded's.
type checkFlags struct {
	config              string
	mode                string
	deadlock            bool
	full                bool
	workers, walks      int
	seed                uint64
	maxStates           uint64
	timeLimit, progress time.Duration
	trace               string
	memoryGiB           int
	tmp                 string
	chart               string
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "read a bounded configuration from `file` (lines name = value, as the flags); flags given here win")
	fs.StringVar(&f.mode, "mode", "bfs", "search: bfs, dfs or walk")
	fs.BoolVar(&f.deadlock, "deadlock", false, "report states without successors")
	fs.BoolVar(&f.full, "full", false, "print every replica's whole state and the messages in flight after each step of a counterexample")
	fs.IntVar(&f.workers, "workers", 0, "BFS workers; 0 is one per CPU")
	fs.IntVar(&f.walks, "walks", 0, "random walks; 0 runs until a limit")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random walks")
	fs.Uint64Var(&f.maxStates, "max-states", 0, "stop after this many distinct states; 0 is no limit")
	fs.DurationVar(&f.timeLimit, "time", 0, "stop after this long; 0 is no limit")
	fs.DurationVar(&f.progress, "progress", 5*time.Second, "print a progress line this often; 0 is never")
	fs.StringVar(&f.trace, "trace", "counterexample.ndjson", "write a counterexample to `file` as a trace (spec/tla/TRACE.md); given here with -mode walk, the last walk when none is found; empty is none")
	fs.IntVar(&f.memoryGiB, "memory", 12, "stop the search, with its summary, when the checker's resident memory reaches this many GiB; 0 is no limit")
	fs.StringVar(&f.chart, "chart", "", "draw a counterexample as a message sequence chart into this SVG file (vsrgen trace chart draws one from a trace)")
	fs.StringVar(&f.tmp, "tmp", "", "the directory where breadth-first search keeps its frontier on disk; empty is the system's temporary directory")
}

// sections5and6 describes the options of sections 5 and 6 that cfg sets,
// for the summary's first line; nothing for none.
func sections5and6(cfg *bounded.Config) string {
	var s string
	if cfg.Batch > 1 || cfg.Pipeline > 0 {
		s += fmt.Sprintf(", batch %d, pipeline %d", max(1, cfg.Batch), cfg.Pipeline)
	}
	if cfg.Checkpoint > 0 {
		s += fmt.Sprintf(", checkpoint every %d", cfg.Checkpoint)
	}
	if cfg.ViewChangeLog > 0 {
		s += fmt.Sprintf(", view change log %d", cfg.ViewChangeLog)
	}
	if cfg.Lease > 0 {
		s += fmt.Sprintf(", leases of %d ticks, margin %d, %d lease requests, %d ticks, drift %d",
			cfg.Lease, cfg.LeaseMargin, cfg.LeaseTimeouts, cfg.Ticks, cfg.Drift)
	}
	return s
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f checkFlags
	f.register(fs)
	cfg := bounded.Default()
	cfg.Flags(fs)
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vsrgen check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	// A walk that finds nothing is written only on request: a trace named
	// on the command line, not the default one.
	traceWalk := false
	fs.Visit(func(fl *flag.Flag) { traceWalk = traceWalk || fl.Name == "trace" })
	if f.config != "" {
		file, err := bounded.ReadFile(f.config)
		if err == nil {
			cfg, err = bounded.Overlay(file.Config, fs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
			return 2
		}
	}
	opts, err := f.options(&cfg, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "vsrgen check: %d replicas, %d clients, %d values, %d view changes, %d crashes, %d drops, %d duplicates; state transfer %s, recovery %s, StartView in normal %v%s; %s search, symmetry %v\n",
		cfg.Replicas, cfg.Clients, cfg.Values, cfg.ViewChanges, cfg.Crashes, cfg.Drops, cfg.Duplicates,
		cfg.StateTransfer, cfg.Recovery, cfg.StartViewInNormal, sections5and6(&cfg), opts.Mode, cfg.Symmetry)
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		// The checker's live memory is the fingerprint set, which holds
		// no pointers; what else it allocates is short-lived. The
		// collector runs rarely, and the checker keeps the soft memory
		// limit a little above the set, so that the heap stays near it.
		debug.SetGCPercent(400)
		opts.TuneMemory = true
	}
	// Ctrl-C ends the search with its summary; a second one kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	opts.Interrupt = ctx.Done()
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, cfg.InitialReplicas(), cfg.Bounds(), opts)
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		return 2
	}
	res.Report(stdout)
	if res.Violation == nil {
		if f.trace == "" || !traceWalk || opts.Mode != modelcheck.Walk || res.LastWalk.Len() == 0 {
			return 0
		}
		if err := writeTraceFile(f.trace, cfg, opts, res.LastWalk); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "The last walk, seed %d, is in %s, as a trace.\n", res.LastSeed, f.trace)
		return 0
	}
	if f.trace == "" && f.chart == "" {
		return 1
	}
	h, lines, err := trace.Export(cfg, opts, res.Violation.Path)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		return 1
	}
	if f.trace != "" {
		if err := trace.WriteFile(f.trace, h, lines); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "The counterexample is in %s, as a trace.\n", f.trace)
		}
	}
	if f.chart != "" {
		if err := writeChart(f.chart, h, lines); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: chart: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "Its chart is in %s.\n", f.chart)
		}
	}
	return 1
}

// options checks the configuration and the search flags and turns them into
// the checker's options.
func (f *checkFlags) options(cfg *bounded.Config, progress io.Writer) (modelcheck.Options, error) {
	if err := cfg.Validate(); err != nil {
		return modelcheck.Options{}, fmt.Errorf("-%w", err)
	}
	switch modelcheck.Mode(f.mode) {
	case modelcheck.BFS, modelcheck.DFS, modelcheck.Walk:
	default:
		return modelcheck.Options{}, fmt.Errorf("-mode %q: want bfs, dfs or walk", f.mode)
	}
	if f.memoryGiB < 0 {
		return modelcheck.Options{}, fmt.Errorf("-memory %d: want 0 or more", f.memoryGiB)
	}
	return modelcheck.Options{
		Mode: modelcheck.Mode(f.mode), Workers: f.workers, Symmetry: cfg.Symmetry, Deadlock: f.deadlock, Full: f.full,
		Seed: f.seed, Walks: f.walks, Depth: cfg.Depth, MaxDepth: cfg.Depth, MaxStates: f.maxStates, TimeLimit: f.timeLimit,
		Progress: progress, ProgressEvery: f.progress, TempDir: f.tmp, MemoryLimit: uint64(f.memoryGiB) << 30,
	}, nil
}

// writeTraceFile writes path, which a search of configuration cfg with
// options o found, to a trace file.
func writeTraceFile(file string, cfg bounded.Config, o modelcheck.Options, path modelcheck.Path) error {
	h, lines, err := trace.Export(cfg, o, path)
	if err != nil {
		return err
	}
	return trace.WriteFile(file, h, lines)
}

//go:build !vsrgen_bootstrap

// The check command imports the generated package. go generate builds
// vsrgen with the vsrgen_bootstrap tag, which leaves this file out, so
// that generation works while generated/ is stale, broken or missing.

package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
	"github.com/viewstamped/vsr/trace"
)

func init() { checkCommand = runCheck }

// checkFlags are the flags of vsrgen check.
type checkFlags struct {
	config                                   string
	replicas, clients, values                int
	viewChanges, commitTimeouts, recoveryTOs int
	crashes, drops, duplicates, maxDown      int
	stateTransfer, recovery                  string
	startViewInNormal                        bool
	mode                                     string
	symmetry, deadlock                       bool
	workers, walks, depth                    int
	seed                                     uint64
	maxStates                                uint64
	timeLimit, progress                      time.Duration
	trace                                    string
	memoryGiB                                int
}

func (f *checkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", "", "read a bounded configuration from `file` (lines name = value, as the flags); flags given here win")
	fs.IntVar(&f.replicas, "replicas", 3, "number of replicas")
	fs.IntVar(&f.clients, "clients", 1, "number of clients")
	fs.IntVar(&f.values, "values", 2, "number of values the clients submit, one request each")
	fs.IntVar(&f.viewChanges, "viewchanges", 1, "timeout-driven view changes (ViewChangeTimeout), at most")
	fs.IntVar(&f.commitTimeouts, "commit-timeouts", 0, "CommitTimeout firings, at most; -1 is unbounded")
	fs.IntVar(&f.recoveryTOs, "recovery-timeouts", 0, "RecoveryTimeout firings, at most; -1 is unbounded")
	fs.IntVar(&f.crashes, "crashes", 0, "replica crashes, at most")
	fs.IntVar(&f.drops, "drops", 0, "dropped messages, at most")
	fs.IntVar(&f.duplicates, "duplicates", 0, "duplicated messages, at most")
	fs.IntVar(&f.maxDown, "max-down", -1, "replicas down at once, at most; -1 is f")
	fs.StringVar(&f.stateTransfer, "statetransfer", "fixed", "state transfer: fixed or paper")
	fs.StringVar(&f.recovery, "recovery", "crashvectors", "replica recovery: crashvectors or paper")
	fs.BoolVar(&f.startViewInNormal, "startview-in-normal", false, "accept a StartView of the current view in normal status (the literal, unsafe reading)")
	fs.StringVar(&f.mode, "mode", "bfs", "search: bfs, dfs or walk")
	fs.BoolVar(&f.symmetry, "symmetry", false, "reduce by permutations of the values")
	fs.BoolVar(&f.deadlock, "deadlock", false, "report states without successors")
	fs.IntVar(&f.workers, "workers", 0, "BFS workers; 0 is one per CPU")
	fs.IntVar(&f.walks, "walks", 0, "random walks; 0 runs until a limit")
	fs.IntVar(&f.depth, "depth", 0, "the deepest state to explore, in steps from the initial state; 0 is no bound for bfs and 100 for dfs and walk")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the random walks")
	fs.Uint64Var(&f.maxStates, "max-states", 0, "stop after this many distinct states; 0 is no limit")
	fs.DurationVar(&f.timeLimit, "time", 0, "stop after this long; 0 is no limit")
	fs.DurationVar(&f.progress, "progress", 5*time.Second, "print a progress line this often; 0 is never")
	fs.StringVar(&f.trace, "trace", "counterexample.ndjson", "write a counterexample to `file` as a trace (spec/tla/TRACE.md); given here with -mode walk, the last walk when none is found; empty is none")
	fs.IntVar(&f.memoryGiB, "memory", 12, "a soft limit on the memory the checker takes, in GiB; the collector works harder near it")
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f checkFlags
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "vsrgen check: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	// A walk that finds nothing is written only on request: a trace named
	// on the command line, not the default one or a config file's.
	traceWalk := false
	fs.Visit(func(fl *flag.Flag) { traceWalk = traceWalk || fl.Name == "trace" })
	if f.config != "" {
		if err := applyConfig(fs, f.config); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
			return 2
		}
	}
	cfg, bounds, opts, err := f.build(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "vsrgen check: %d replicas, %d clients, %d values, %d view changes, %d crashes, %d drops, %d duplicates; state transfer %s, recovery %s, StartView in normal %v; %s search, symmetry %v\n",
		f.replicas, f.clients, f.values, f.viewChanges, f.crashes, f.drops, f.duplicates,
		f.stateTransfer, f.recovery, f.startViewInNormal, opts.Mode, f.symmetry)
	init := trace.Replicas(cfg)
	if os.Getenv("GOGC") == "" {
		// The checker's memory is mostly fingerprints and encoded states,
		// which the collector need not scan; collecting less often pays,
		// until the heap nears the soft limit.
		debug.SetGCPercent(400)
	}
	if f.memoryGiB > 0 {
		debug.SetMemoryLimit(int64(f.memoryGiB) << 30)
	}
	res, err := modelcheck.Check[spec.Replica](checker.Protocol{}, init, bounds, opts)
	if err != nil {
		fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		return 2
	}
	res.Report(stdout)
	if res.Violation == nil {
		if f.trace == "" || !traceWalk || opts.Mode != modelcheck.Walk || res.LastWalk.Len() == 0 {
			return 0
		}
		if err := writeTraceFile(f.trace, cfg, bounds, opts, res.LastWalk); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "The last walk, seed %d, is in %s, as a trace.\n", res.LastSeed, f.trace)
		return 0
	}
	if f.trace != "" {
		if err := writeTraceFile(f.trace, cfg, bounds, opts, res.Violation.Path); err != nil {
			fmt.Fprintf(stderr, "vsrgen check: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "The counterexample is in %s, as a trace.\n", f.trace)
		}
	}
	return 1
}

// build checks the flags and turns them into the spec's configuration and
// the checker's bounds and options.
func (f *checkFlags) build(progress io.Writer) (spec.Config, modelcheck.Bounds, modelcheck.Options, error) {
	var cfg spec.Config
	var b modelcheck.Bounds
	var o modelcheck.Options
	if f.replicas < 1 || f.replicas > 63 {
		return cfg, b, o, fmt.Errorf("-replicas %d: want 1 to 63", f.replicas)
	}
	for name, v := range map[string]int{"clients": f.clients, "values": f.values} {
		if v < 0 || v > 16 {
			return cfg, b, o, fmt.Errorf("-%s %d: want 0 to 16", name, v)
		}
	}
	for name, v := range map[string]int{"viewchanges": f.viewChanges, "crashes": f.crashes, "drops": f.drops, "duplicates": f.duplicates, "memory": f.memoryGiB, "depth": f.depth} {
		if v < 0 {
			return cfg, b, o, fmt.Errorf("-%s %d: want 0 or more", name, v)
		}
	}
	cfg.Replicas = uint8(f.replicas)
	switch f.stateTransfer {
	case "fixed":
	case "paper":
		cfg.StateTransfer = spec.StateTransferPaper
	default:
		return cfg, b, o, fmt.Errorf("-statetransfer %q: want fixed or paper", f.stateTransfer)
	}
	switch f.recovery {
	case "crashvectors":
	case "paper":
		cfg.Recovery = spec.RecoveryPaper
	default:
		return cfg, b, o, fmt.Errorf("-recovery %q: want crashvectors or paper", f.recovery)
	}
	cfg.StartViewInNormal = f.startViewInNormal
	maxDown := f.maxDown
	if maxDown < 0 {
		maxDown = cfg.F()
	}
	b = modelcheck.Bounds{
		Clients: f.clients, Values: f.values,
		TimeoutLimits: map[string]int{
			"ViewChangeTimeout": f.viewChanges, "CommitTimeout": f.commitTimeouts, "RecoveryTimeout": f.recoveryTOs,
		},
		Drops: f.drops, Duplicates: f.duplicates, Crashes: f.crashes, MaxDown: maxDown,
	}
	switch modelcheck.Mode(f.mode) {
	case modelcheck.BFS, modelcheck.DFS, modelcheck.Walk:
	default:
		return cfg, b, o, fmt.Errorf("-mode %q: want bfs, dfs or walk", f.mode)
	}
	o = modelcheck.Options{
		Mode: modelcheck.Mode(f.mode), Workers: f.workers, Symmetry: f.symmetry, Deadlock: f.deadlock,
		Seed: f.seed, Walks: f.walks, Depth: f.depth, MaxDepth: f.depth, MaxStates: f.maxStates, TimeLimit: f.timeLimit,
		Progress: progress, ProgressEvery: f.progress,
	}
	return cfg, b, o, nil
}

// applyConfig sets, from a file of "name = value" lines, every flag that
// the command line did not set.
func applyConfig(fs *flag.FlagSet, path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer file.Close()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	sc := bufio.NewScanner(file)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return fmt.Errorf("%s:%d: want name = value", path, line)
		}
		if name == "config" || fs.Lookup(name) == nil {
			return fmt.Errorf("%s:%d: unknown setting %q", path, line, name)
		}
		if set[name] {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, line, name, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// writeTraceFile writes path, which a search with configuration cfg,
// bounds b and options o found, to a trace file.
func writeTraceFile(file string, cfg spec.Config, b modelcheck.Bounds, o modelcheck.Options, path modelcheck.Path) error {
	h, lines, err := trace.Export(cfg, b, o, path)
	if err != nil {
		return err
	}
	out, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	if err := trace.Write(out, h, lines); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

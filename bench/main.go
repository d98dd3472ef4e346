// Command bench compares this project's runtime with two Raft libraries and
// with a floor that only moves frames, each as three replicas in one
// process over loopback TCP with in-memory storage, under closed-loop
// clients.
//
// Usage:
//
//	go run . [-clients 1,16,128] [-warmup 1s] [-window 3s] [-rounds 3]
//	         [-systems vsr,vsr-tcp,hashicorp,etcd,skeleton]
//
// For every round, system and client count it starts the system afresh,
// runs the clients through a warm-up and then a measured window, and stops
// the system before the next starts. The order of the systems rotates from
// round to round. It writes a line per run to standard error and, at the
// end, a Markdown table of the medians over the rounds to standard output.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
)

// options are the command's flags, checked.
type options struct {
	clients []int
	warmup  time.Duration
	window  time.Duration
	rounds  int
	systems []string
	// cpuProfile, when set, is the file the runs' CPU profile goes to.
	cpuProfile string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command with args and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage())
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	if opts.cpuProfile != "" {
		f, err := os.Create(opts.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	results := benchmark(opts, progress)
	fmt.Fprintln(stdout, machineLine(opts))
	fmt.Fprintln(stdout)
	fmt.Fprint(stdout, table(opts, results))
	return 0
}

// parseFlags parses and checks args; the error is one line.
func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	clients := fs.String("clients", "1,16,128", "comma-separated counts of closed-loop clients")
	warmup := fs.Duration("warmup", time.Second, "how long the clients run before the measured window")
	window := fs.Duration("window", 3*time.Second, "how long the measured window lasts")
	rounds := fs.Int("rounds", 3, "how many times every system runs every client count")
	systems := fs.String("systems", strings.Join(systemNames(), ","), "comma-separated systems to run")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	opts := options{warmup: *warmup, window: *window, rounds: *rounds, cpuProfile: *cpuProfile}
	for _, s := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return options{}, fmt.Errorf("-clients: %q is not a positive count", s)
		}
		opts.clients = append(opts.clients, n)
	}
	seen := map[string]bool{}
	for _, s := range strings.Split(*systems, ",") {
		s = strings.TrimSpace(s)
		if lookupSystem(s) == nil {
			return options{}, fmt.Errorf("-systems: unknown system %q; want some of %s", s, strings.Join(systemNames(), ","))
		}
		if seen[s] {
			return options{}, fmt.Errorf("-systems: %q named twice", s)
		}
		seen[s] = true
		opts.systems = append(opts.systems, s)
	}
	switch {
	case opts.warmup < 0:
		return options{}, fmt.Errorf("-warmup %v: want zero or more", opts.warmup)
	case opts.window <= 0:
		return options{}, fmt.Errorf("-window %v: want more than zero", opts.window)
	case opts.rounds < 1:
		return options{}, fmt.Errorf("-rounds %d: want at least 1", opts.rounds)
	}
	return opts, nil
}

// usage describes the flags.
func usage() string {
	return `usage: go run . [flags]
  -clients list   comma-separated counts of closed-loop clients (default 1,16,128)
  -warmup d       how long the clients run before the measured window (default 1s)
  -window d       how long the measured window lasts (default 3s)
  -rounds n       how many times every system runs every client count (default 3)
  -systems list   comma-separated systems to run (default ` + strings.Join(systemNames(), ",") + `)
  -cpuprofile f   write a CPU profile of the runs to file f
`
}

// flagsLine returns opts as the flags that give them.
func flagsLine(opts options) string {
	cs := make([]string, len(opts.clients))
	for i, c := range opts.clients {
		cs[i] = strconv.Itoa(c)
	}
	return fmt.Sprintf("-clients %s -warmup %v -window %v -rounds %d -systems %s",
		strings.Join(cs, ","), opts.warmup, opts.window, opts.rounds, strings.Join(opts.systems, ","))
}

// machineLine says what the benchmark ran on and with which flags.
func machineLine(opts options) string {
	return fmt.Sprintf("Machine: %d CPUs, GOMAXPROCS %d, %s %s/%s. Flags: %s.",
		goruntime.NumCPU(), goruntime.GOMAXPROCS(0), goruntime.Version(), goruntime.GOOS, goruntime.GOARCH, flagsLine(opts))
}

//go:build !vsrgen_bootstrap

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/sim"
	"github.com/viewstamped/vsr/trace"
)

func init() { simCommand = runSim }

// simFlags are the flags of vsrgen sim.
type simFlags struct {
	seed, seeds            uint64
	replicas, clients      int
	steps, keys, every     int
	beyondF                bool
	faults                 string
	loss, duplicate, delay float64
	delayMax               int
	replayP                float64
	replayMax              int
	partitionEvery         int
	clogEvery, clogFor     int
	crashEvery, restart    int
	drift                  float64
	latency                int
	reconfigureEvery       int
	progress               time.Duration
	trace                  string
}

func (f *simFlags) register(fs *flag.FlagSet) {
	fs.Uint64Var(&f.seed, "seed", 1, "the first seed")
	fs.Uint64Var(&f.seeds, "seeds", 1, "how many seeds to run, from -seed on")
	fs.IntVar(&f.replicas, "replicas", 3, "number of replicas")
	fs.IntVar(&f.clients, "clients", 4, "number of clients")
	fs.IntVar(&f.steps, "steps", 20000, "steps of the safety phase of each run")
	fs.IntVar(&f.keys, "keys", 3, "keys the clients use")
	fs.IntVar(&f.every, "check-every", 1, "check the invariants after every n-th step")
	fs.BoolVar(&f.beyondF, "beyond-f", false, "let more than f replicas be down at once; checks safety only")
	fs.StringVar(&f.faults, "faults", "swarm", "the faults: swarm (each seed draws its own mix), all, none, or custom (the flags below)")
	fs.Float64Var(&f.loss, "loss", 0, "custom: the probability that a message is lost, at most 0.3")
	fs.Float64Var(&f.duplicate, "duplicate", 0, "custom: the probability that a message is delivered twice")
	fs.Float64Var(&f.delay, "delay", 0, "custom: the probability that a message is held back")
	fs.IntVar(&f.delayMax, "delay-max", 100, "custom: how long a message is held back at most, in ms")
	fs.Float64Var(&f.replayP, "replay", 0, "custom: the probability that a message between replicas is delivered once more, later")
	fs.IntVar(&f.replayMax, "replay-max", 1000, "custom: how much later a replayed message arrives at most, in ms")
	fs.IntVar(&f.partitionEvery, "partition-every", 0, "custom: change the partition every so many ms on average; 0 is never")
	fs.IntVar(&f.clogEvery, "clog-every", 0, "custom: clog one link, one way, every so many ms on average; 0 is never")
	fs.IntVar(&f.clogFor, "clog-for", 50, "custom: how long a clog lasts at most, in ms")
	fs.IntVar(&f.crashEvery, "crash-every", 0, "custom: crash a replica every so many ms on average; 0 is never")
	fs.IntVar(&f.restart, "restart-after", 500, "custom: restart a crashed replica within so many ms")
	fs.Float64Var(&f.drift, "drift", 0, "custom: how much faster or slower a replica's clock may run, as a fraction")
	fs.IntVar(&f.latency, "latency", 0, "custom: the most a message takes in the network, in µs; 0 is 500")
	fs.IntVar(&f.reconfigureEvery, "reconfigure-every", 0, "custom: change the group every so many ms on average, with 5 replicas unless -replicas says; 0 is never")
	fs.DurationVar(&f.progress, "progress", 5*time.Second, "print a progress line this often on long runs; 0 is never")
	fs.StringVar(&f.trace, "trace", "", "write the run's trace to this file (one seed only), for vsrgen trace validate")
}

// faultsOf returns the faults the flags say, nil for swarm.
func (f *simFlags) faultsOf() (*sim.Faults, error) {
	switch f.faults {
	case "swarm":
		return nil, nil
	case "all":
		all := sim.All()
		return &all, nil
	case "none":
		return &sim.Faults{}, nil
	case "custom":
	default:
		return nil, fmt.Errorf("-faults %q: want swarm, all, none or custom", f.faults)
	}
	switch {
	case f.loss < 0 || f.loss > 0.3:
		return nil, fmt.Errorf("-loss %g: want 0 to 0.3", f.loss)
	case f.duplicate < 0 || f.duplicate > 1 || f.delay < 0 || f.delay > 1 || f.replayP < 0 || f.replayP > 1:
		return nil, errors.New("-duplicate, -delay and -replay are probabilities: want 0 to 1")
	case f.delayMax < 1 || f.replayMax < 1 || f.clogFor < 1 || f.restart < 1:
		return nil, errors.New("-delay-max, -replay-max, -clog-for and -restart-after want 1 or more")
	case f.partitionEvery < 0 || f.clogEvery < 0 || f.crashEvery < 0 || f.latency < 0 || f.reconfigureEvery < 0:
		return nil, errors.New("-partition-every, -clog-every, -crash-every, -latency and -reconfigure-every want 0 or more")
	case f.drift < 0 || f.drift > 0.5:
		return nil, fmt.Errorf("-drift %g: want 0 to 0.5", f.drift)
	}
	return &sim.Faults{Loss: f.loss, Duplicate: f.duplicate, Delay: f.delay, DelayMax: f.delayMax,
		Replay: f.replayP, ReplayMax: f.replayMax,
		Partition: f.partitionEvery > 0, PartitionEvery: f.partitionEvery,
		Clog: f.clogEvery > 0, ClogEvery: f.clogEvery, ClogFor: f.clogFor,
		Crash: f.crashEvery > 0, CrashEvery: f.crashEvery, RestartAfter: f.restart, Drift: f.drift, Latency: f.latency,
		Reconfigure: f.reconfigureEvery > 0, ReconfigureEvery: f.reconfigureEvery}, nil
}

// runSim runs vsrgen sim: seeded simulations of the runtime's nodes. It
// exits 0 when every run passes, 1 at the first failure, with the command
// that replays it, and 2 on bad usage.
func runSim(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vsrgen sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f simFlags
	f.register(fs)
	variants := bounded.Default()
	variants.FlagsOf(fs, "statetransfer", "recovery", "startview-in-normal", "checkpoint", "viewchange-log", "lease")
	if code, ok := parse(fs, args, stderr); !ok {
		return code
	}
	bad := func(err error) int {
		fmt.Fprintf(stderr, "vsrgen sim: %v\n", err)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return bad(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	case f.replicas < 1 || f.replicas > 63:
		return bad(fmt.Errorf("-replicas %d: want 1 to 63", f.replicas))
	case f.clients < 1 || f.clients > 1<<16:
		return bad(fmt.Errorf("-clients %d: want 1 to 65536", f.clients))
	case f.steps < 1 || f.keys < 1 || f.every < 1 || f.seeds < 1:
		return bad(errors.New("-steps, -keys, -check-every and -seeds want 1 or more"))
	case f.trace != "" && f.seeds != 1:
		return bad(errors.New("-trace records one run: use it with -seeds 1"))
	}
	faults, err := f.faultsOf()
	if err != nil {
		return bad(err)
	}
	cfg := variants.Spec()
	// Unless -replicas says, a run that reconfigures has five replicas.
	replicas := 0
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "replicas" {
			replicas = f.replicas
		}
	})
	start, last := time.Now(), time.Now()
	var steps, fired, ops, crashes, reconfigurations int
	var views uint64
	var simulated time.Duration
	for k := uint64(0); k < f.seeds; k++ {
		seed := f.seed + k
		o := sim.Options{Seed: seed, Replicas: replicas, Clients: f.clients, Steps: f.steps, Keys: f.keys,
			Spec: cfg, Faults: faults, BeyondF: f.beyondF, CheckEvery: f.every}
		if f.progress > 0 {
			o.Progress = func(n int, now time.Duration) {
				if time.Since(last) >= f.progress {
					last = time.Now()
					fmt.Fprintf(stdout, "seed %d: step %d, %s simulated\n", seed, n, now.Round(time.Millisecond))
				}
			}
		}
		var rec *trace.Recorder
		if f.trace != "" {
			rec = trace.NewRecorder(sim.SpecOf(o))
			o.Trace = rec
		}
		res := sim.Run(o)
		steps, fired, ops, crashes, views = steps+res.Steps, fired+res.Fired, ops+res.Ops, crashes+res.Crashes, max(views, uint64(res.Views))
		reconfigurations += res.Reconfigurations
		simulated += time.Duration(res.Time) * time.Microsecond
		if rec != nil {
			// A failed run's trace is written too: it shows the steps that
			// led to the failure.
			if err := rec.WriteFile(f.trace); err != nil {
				fmt.Fprintf(stderr, "vsrgen sim: %v\n", err)
				return 2
			}
			fmt.Fprintf(stdout, "wrote the run's trace to %s\n", f.trace)
		}
		if res.Failure != nil {
			fmt.Fprintf(stdout, "seed %d: FAILED: %v\n  faults: %s; %s\n  replay: %s\n", seed, res.Failure, res.Faults,
				protocolOf(res), f.replay(seed, &variants, fs))
			return 1
		}
		if f.seeds == 1 || f.progress > 0 && time.Since(last) >= f.progress {
			last = time.Now()
			fmt.Fprintf(stdout, "seed %d: ok, %d steps, %d operations (%d unknown), %d crashes, view %d; %s; %s\n",
				seed, res.Steps, res.Ops, res.Unknown, res.Crashes, res.Views, res.Faults, protocolOf(res))
		}
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%d seeds from %d passed: %d steps (%d fired a rule) in %s, %.0f steps/s; %s simulated, %d operations, %d crashes, %d reconfigurations, views up to %d\n",
		f.seeds, f.seed, steps, fired, elapsed.Round(time.Millisecond), float64(steps)/elapsed.Seconds(),
		simulated.Round(time.Second), ops, crashes, reconfigurations, views)
	return 0
}

// protocolOf says how a run's replicas batched, took checkpoints and sent
// their logs in view changes.
func protocolOf(res *sim.Result) string {
	s := fmt.Sprintf("batch %d, pipeline %d, checkpoint every %d, view change log %d", res.Batch, res.Pipeline, res.Checkpoint, res.ViewChangeLog)
	if res.Lease != 0 {
		s += fmt.Sprintf(", leases of %d ticks", res.Lease)
	}
	if res.Faults.Reconfigure {
		s += fmt.Sprintf("; %d reconfigurations, epoch %d", res.Reconfigurations, res.Epoch)
	}
	return s
}

// replay returns the command that runs seed alone with the flags given.
func (f *simFlags) replay(seed uint64, variants *bounded.Config, fs *flag.FlagSet) string {
	parts := []string{"go run ./cmd/vsrgen sim", fmt.Sprintf("-seed %d", seed)}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name != "seed" && fl.Name != "seeds" && fl.Name != "progress" {
			parts = append(parts, fmt.Sprintf("-%s=%s", fl.Name, fl.Value.String()))
		}
	})
	return strings.Join(parts, " ")
}

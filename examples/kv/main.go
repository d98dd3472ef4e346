// Command kv is a replicated key-value store on the VR runtime: one
// process per replica, a client, and a local demo.
//
//	kv serve       -cluster ID -peers A,B,C -id I [-bootstrap] [-members I,J,K -admin KEY] [-lease TICKS] [-tls-cert F -tls-key F -tls-ca F]
//	kv put         -cluster ID -peers A,B,C KEY VALUE
//	kv get         -cluster ID -peers A,B,C KEY
//	kv delete      -cluster ID -peers A,B,C KEY
//	kv cas         -cluster ID -peers A,B,C [-absent] KEY OLD NEW
//	kv reconfigure -cluster ID -peers A,B,C,D -admin KEY -members I,J,K
//	kv demo
//
// Every setting may also come from a file (-config FILE, lines
// "name = value" with the flags' names); flags given win. serve runs one
// replica until it is killed or interrupted. Start every replica of a new
// cluster with -bootstrap; a replica that restarts, with or without it,
// recovers its state from the others. The demo starts three replicas as
// processes on 127.0.0.1, writes, kills the primary with SIGKILL, keeps
// writing through the view change, restarts the killed replica, which
// recovers, and reads every key back.
//
// -peers lists every replica that may ever be a member, by index, and
// -members the first group (all of -peers by default); the others are
// spares, started with -bootstrap as standbys. reconfigure makes the
// replicas -members the group of the next epoch, as the administrator
// whose secret -admin the replicas were started with (VR Revisited 7):
// the spares it adds take the state from the old group, and the replicas
// it leaves out exit once enough of the new group have started.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/viewstamped/vsr/examples/kv/store"
	"github.com/viewstamped/vsr/runtime"
	"github.com/viewstamped/vsr/spec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: kv serve       -cluster ID -peers A,B,C -id I [-bootstrap] [-members I,J,K -admin KEY] [-lease TICKS] [flags]
       kv put         -cluster ID -peers A,B,C KEY VALUE
       kv get         -cluster ID -peers A,B,C KEY
       kv delete      -cluster ID -peers A,B,C KEY
       kv cas         -cluster ID -peers A,B,C [-absent] KEY OLD NEW
       kv reconfigure -cluster ID -peers A,B,C,D -admin KEY -members I,J,K
       kv demo        [-keep]
Run "kv COMMAND -h" for a command's flags.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "put", "get", "delete", "cas":
		return clientCommand(args[0], args[1:], stdout, stderr)
	case "reconfigure":
		return reconfigure(args[1:], stdout, stderr)
	case "demo":
		return demo(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "kv: unknown command %q\n%s", args[0], usage)
	return 2
}

// common are the settings of every command.
type common struct {
	config                 string
	cluster                uint64
	peers                  string
	tlsCert, tlsKey, tlsCA string
	timeout                time.Duration
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "read settings from `file`: lines name = value, with the flags' names; flags given win")
	fs.Uint64Var(&c.cluster, "cluster", 0, "the cluster's ID, the same for every replica and client")
	fs.StringVar(&c.peers, "peers", "", "every replica's address, host:port, comma-separated, by index")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "with -tls-key and -tls-ca: mutual TLS with this certificate (PEM)")
	fs.StringVar(&c.tlsKey, "tls-key", "", "the certificate's key (PEM)")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "the cluster's CA (PEM): only holders of its certificates get in")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "how long a client command waits for its result")
}

// parse parses args into fs, then fills in from the config file every
// flag not given, and checks the common settings.
func (c *common) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.config != "" {
		if err := applyFile(fs, c.config); err != nil {
			return err
		}
	}
	if c.cluster == 0 {
		return errors.New("-cluster: want the cluster's ID, not 0")
	}
	if len(c.addrs()) == 0 {
		return errors.New("-peers: want every replica's address")
	}
	if (c.tlsCert != "" || c.tlsKey != "" || c.tlsCA != "") && (c.tlsCert == "" || c.tlsKey == "" || c.tlsCA == "") {
		return errors.New("-tls-cert, -tls-key and -tls-ca go together")
	}
	return nil
}

func (c *common) addrs() []string {
	var out []string
	for _, a := range strings.Split(c.peers, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// applyFile sets, from a file of "name = value" lines, every flag of fs
// that the command line did not set.
func applyFile(fs *flag.FlagSet, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || name == "":
			return fmt.Errorf("%s:%d: want name = value", path, line)
		case name == "config" || fs.Lookup(name) == nil:
			return fmt.Errorf("%s:%d: unknown setting %q", path, line, name)
		case set[name]:
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", path, line, name, err)
		}
	}
	return sc.Err()
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("kv serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	id := fs.Int("id", -1, "this replica's index in -peers, from 0")
	bootstrap := fs.Bool("bootstrap", false, "start a replica that has never run: a member of the first group starts a new cluster with the others, or recovers if one has run; a spare waits to be added")
	members := fs.String("members", "", "the first group: an odd number of indexes in -peers, comma-separated; all of -peers when empty")
	admin := fs.Uint64("admin", 0, "the administrator's secret: a reconfigure with it may change the group; 0 allows none")
	tick := fs.Duration("tick", 10*time.Millisecond, "the length of one tick of the replica's clock")
	checkpoint := fs.Uint("checkpoint", runtime.DefaultCheckpointInterval, "take a checkpoint every so many operations and discard the log before the previous one")
	lease := fs.Uint("lease", 0, "answer gets at the primary under leases of so many ticks, without a round of Prepares; 0 sends every get through the log")
	drift := fs.Float64("clock-drift", runtime.DefaultClockDrift, "with -lease: how much faster or slower any replica's clock may run than real time, as a fraction")
	if err := c.parse(fs, args); err != nil {
		return usageError(stderr, "kv serve", err)
	}
	switch {
	case *id < 0 || *id >= len(c.addrs()):
		return usageError(stderr, "kv serve", fmt.Errorf("-id %d: want 0 to %d", *id, len(c.addrs())-1))
	case *checkpoint < 1 || *checkpoint > 1<<31:
		return usageError(stderr, "kv serve", fmt.Errorf("-checkpoint %d: want 1 to 2^31", *checkpoint))
	case *lease > 1<<12:
		return usageError(stderr, "kv serve", fmt.Errorf("-lease %d: want 0 to 4096 ticks", *lease))
	case *drift <= 0 || *drift >= 0.5:
		return usageError(stderr, "kv serve", fmt.Errorf("-clock-drift %g: want more than 0 and less than 0.5", *drift))
	}
	group, err := parseGroup(*members, len(c.addrs()))
	if err != nil {
		return usageError(stderr, "kv serve", fmt.Errorf("-members: %w", err))
	}
	cfg := runtime.Config{ClusterID: c.cluster, Addrs: c.addrs(), Index: *id, Bootstrap: *bootstrap, Tick: *tick,
		Spec: spec.Config{CheckpointInterval: uint32(*checkpoint), Lease: uint16(*lease), Members: group,
			Admin: spec.ClientID(*admin)}, ClockDrift: *drift,
		NewStateMachine: func() runtime.StateMachine { return store.New() },
		Log:             slog.New(slog.NewTextHandler(stderr, nil))}
	if c.tlsCert != "" {
		tlsCfg, err := runtime.LoadTLS(c.tlsCert, c.tlsKey, c.tlsCA)
		if err != nil {
			return usageError(stderr, "kv serve", err)
		}
		cfg.TLS = tlsCfg
	}
	s, err := runtime.NewServer(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kv serve: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.Run(ctx); errors.Is(err, runtime.ErrShutDown) {
		fmt.Fprintf(stderr, "kv serve: replica %d left the group and shut down\n", *id)
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "kv serve: %v\n", err)
		return 1
	}
	return 0
}

// parseGroup parses a group of replicas, comma-separated indexes of n
// addresses; empty is every replica, 0.
func parseGroup(text string, n int) (spec.ReplicaSet, error) {
	var g spec.ReplicaSet
	if strings.TrimSpace(text) == "" {
		return 0, nil
	}
	for _, f := range strings.Split(text, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(f))
		switch {
		case err != nil:
			return 0, fmt.Errorf("%q: not a replica's index", f)
		case i < 0 || i >= n:
			return 0, fmt.Errorf("replica %d: want 0 to %d", i, n-1)
		case g.Has(spec.ReplicaIndex(i)):
			return 0, fmt.Errorf("replica %d twice", i)
		}
		g = g.Add(spec.ReplicaIndex(i))
	}
	if g.Count()%2 == 0 {
		return 0, fmt.Errorf("%d replicas: want an odd number", g.Count())
	}
	return g, nil
}

// reconfigure makes -members the group of the next epoch.
func reconfigure(args []string, stdout, stderr io.Writer) int {
	const name = "kv reconfigure"
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	members := fs.String("members", "", "the next epoch's group: an odd number of indexes in -peers, comma-separated")
	admin := fs.Uint64("admin", 0, "the administrator's secret, as the replicas were started with")
	if err := c.parse(fs, args); err != nil {
		return usageError(stderr, name, err)
	}
	group, err := parseGroup(*members, len(c.addrs()))
	switch {
	case err != nil:
		return usageError(stderr, name, fmt.Errorf("-members: %w", err))
	case group == 0:
		return usageError(stderr, name, errors.New("-members: want the next epoch's group"))
	case *admin == 0:
		return usageError(stderr, name, errors.New("-admin: want the administrator's secret"))
	case fs.NArg() != 0:
		return usageError(stderr, name, fmt.Errorf("want no arguments, not %d", fs.NArg()))
	}
	var epoch spec.EpochNumber
	if code := withClient(&c, name, stderr, func(ctx context.Context, cl *store.Client) (err error) {
		epoch, err = cl.Reconfigure(ctx, spec.ClientID(*admin), group, 2*time.Second)
		return err
	}); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "epoch %d: group %v\n", epoch, group)
	return 0
}

// usageError prints a one-line reason and returns the exit status of bad
// usage.
func usageError(stderr io.Writer, cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if !strings.HasPrefix(err.Error(), "flag provided but not defined") && !strings.Contains(err.Error(), "invalid value") {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
	}
	return 2
}

// newClient returns a client of the cluster c names.
func newClient(c *common) (*store.Client, func(), error) {
	cfg := runtime.ClientConfig{ClusterID: c.cluster, Addrs: c.addrs(), Sessions: 1}
	if c.tlsCert != "" {
		tlsCfg, err := runtime.LoadTLS(c.tlsCert, c.tlsKey, c.tlsCA)
		if err != nil {
			return nil, nil, err
		}
		cfg.TLS = tlsCfg
	}
	rc, err := runtime.NewClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	return store.NewClient(rc), func() { rc.Close() }, nil
}

// withClient runs fn with a client of the cluster c names and a context
// that ends after c's timeout, and returns the exit status: 1, with the
// reason, when fn fails.
func withClient(c *common, name string, stderr io.Writer, fn func(ctx context.Context, cl *store.Client) error) int {
	cl, closeClient, err := newClient(c)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	defer closeClient()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := fn(ctx, cl); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

func clientCommand(cmd string, args []string, stdout, stderr io.Writer) int {
	name := "kv " + cmd
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	absent := fs.Bool("absent", false, "cas: set the key only if it has no value (OLD is ignored)")
	if err := c.parse(fs, args); err != nil {
		return usageError(stderr, name, err)
	}
	want := map[string]int{"put": 2, "get": 1, "delete": 1, "cas": 3}[cmd]
	if fs.NArg() != want {
		return usageError(stderr, name, fmt.Errorf("want %d arguments, not %d", want, fs.NArg()))
	}
	a := fs.Args()
	op := store.Op{Key: a[0]}
	switch cmd {
	case "put":
		op.Kind, op.Value = store.Put, []byte(a[1])
	case "get":
		op.Kind = store.Get
	case "delete":
		op.Kind = store.Delete
	case "cas":
		op.Kind, op.Old, op.Value, op.Absent = store.CAS, []byte(a[1]), []byte(a[2]), *absent
	}
	var r store.Result
	if code := withClient(&c, name, stderr, func(ctx context.Context, cl *store.Client) (err error) {
		r, err = cl.Do(ctx, op)
		return err
	}); code != 0 {
		return code
	}
	switch {
	case cmd == "put":
		fmt.Fprintln(stdout, "ok")
	case cmd == "get" && !r.OK:
		fmt.Fprintln(stdout, "(no value)")
		return 1
	case cmd == "get":
		fmt.Fprintf(stdout, "%s\n", r.Value)
	case cmd == "delete":
		fmt.Fprintln(stdout, map[bool]string{true: "deleted", false: "(no value)"}[r.OK])
	case r.OK:
		fmt.Fprintf(stdout, "swapped: %s\n", r.Value)
	default:
		fmt.Fprintf(stdout, "not swapped: the value is %q\n", r.Value)
		return 1
	}
	return 0
}

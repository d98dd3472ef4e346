// Package bounded is a bounded configuration of the VR spec: how many
// replicas, clients and values, what the environment may do (timeouts,
// drops, duplicates, crashes), which protocol variants run, and how far a
// search goes. It owns the configuration's fields, their defaults, the file
// format of modelcheck/configs/*.cfg, validation, and the conversions to
// the model checker's bounds, to spec.Config, to the initial replicas and
// to the constants of spec/tla/VSR.tla. Every tool that reads a bounded
// configuration goes through it: vsrgen check, the trace header, the TLC
// runner and the tests.
//
// A configuration file holds one setting a line, "name = value", with the
// names of vsrgen check's flags; a line that starts with # is a comment.
package bounded

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/viewstamped/vsr/modelcheck"
	"github.com/viewstamped/vsr/spec"
)

// Limits of a bounded configuration. A count must stay below 2^31 so that
// traces and TLC read it as written.
const (
	ReplicasMax = 63
	ClientsMax  = 16
	ValuesMax   = 16
	// batchMax bounds Batch and Pipeline, as spec.Config holds them.
	batchMax = 1<<16 - 1
	countMax = 1<<31 - 1
)

// The spec's timeout kinds that a configuration bounds, by name.
const (
	ViewChangeTimeout = "ViewChangeTimeout"
	CommitTimeout     = "CommitTimeout"
	RecoveryTimeout   = "RecoveryTimeout"
	LeaseTimeout      = "LeaseTimeout"
	// Tick is the timeout kind that is a tick of a replica's clock
	// (modelcheck.Bounds.Clock).
	Tick = "Tick"
)

// Config is a bounded configuration. Its zero value is not a valid one:
// start from Default.
type Config struct {
	Replicas, Clients int
	// Values is the number of distinct values the clients submit in all,
	// one request each.
	Values int
	// ViewChanges bounds the timeout-driven view changes
	// (ViewChangeTimeout); CommitTimeouts and RecoveryTimeouts bound those
	// timeouts, -1 being unbounded.
	ViewChanges, CommitTimeouts, RecoveryTimeouts int
	// Crashes, Drops and Duplicates bound those faults over a whole run.
	Crashes, Drops, Duplicates int
	// MaxDown is the most replicas down at once; -1 is f.
	MaxDown int
	// The protocol's variants.
	StateTransfer     spec.StateTransferVariant
	Recovery          spec.RecoveryVariant
	StartViewInNormal bool
	// Batch and Pipeline bound the requests a Prepare carries and the
	// Prepares outstanding at the primary (spec.Config); 0 is 1 and no
	// bound.
	Batch, Pipeline int
	// Checkpoint is the checkpoint interval (spec.Config), 0 none;
	// ViewChangeLog bounds the entries a DoViewChange or StartView
	// carries, 0 all.
	Checkpoint, ViewChangeLog int
	// Lease and LeaseMargin are spec.Config's, in ticks; LeaseTimeouts
	// bounds the requests for leases (-1 unbounded); Ticks bounds the
	// ticks of each replica's clock and Drift how many more one may have
	// than the slowest.
	Lease, LeaseMargin, LeaseTimeouts, Ticks, Drift int
	// Members is the group of epoch 0, 0 being every replica; Reconfigure,
	// when not 0, the group an administrator asks for once (7).
	Members, Reconfigure spec.ReplicaSet
	// Symmetry reduces the search by permutations of the values.
	Symmetry bool
	// Depth bounds the search to the states that many steps from the
	// initial state; 0 is no bound (for breadth-first search and TLC).
	Depth int
}

// Default returns the default configuration: 3 replicas, 1 client, 2
// values, 1 view change, no other timeout and no fault, the safe protocol.
func Default() Config {
	return Config{Replicas: 3, Clients: 1, Values: 2, ViewChanges: 1, MaxDown: -1}
}

// Of returns the default configuration with settings applied, name and
// value pairs as Set takes them, and validated.
func Of(settings ...string) (Config, error) {
	c := Default()
	if len(settings)%2 != 0 {
		return c, fmt.Errorf("setting %q has no value", settings[len(settings)-1])
	}
	for i := 0; i < len(settings); i += 2 {
		if err := c.Set(settings[i], settings[i+1]); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// setting is one setting of a configuration: its name in files and flags,
// what it means, and its field.
type setting struct {
	name, usage string
	get         func(c *Config) string
	set         func(c *Config, v string) error
	// flag registers the setting as a flag of fs that sets c.
	flag func(fs *flag.FlagSet, c *Config, s *setting)
}

func intSetting(name, usage string, field func(c *Config) *int) setting {
	return setting{name, usage,
		func(c *Config) string { return strconv.Itoa(*field(c)) },
		func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errors.New("not an integer")
			}
			*field(c) = n
			return nil
		},
		func(fs *flag.FlagSet, c *Config, s *setting) { fs.IntVar(field(c), s.name, *field(c), s.usage) }}
}

func boolSetting(name, usage string, field func(c *Config) *bool) setting {
	return setting{name, usage,
		func(c *Config) string { return strconv.FormatBool(*field(c)) },
		func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("not true or false")
			}
			*field(c) = b
			return nil
		},
		func(fs *flag.FlagSet, c *Config, s *setting) { fs.BoolVar(field(c), s.name, *field(c), s.usage) }}
}

// variantSetting is a setting whose values are the names of the variants
// in values.
func variantSetting[V interface {
	~uint8
	String() string
}](name, usage string, values []V, field func(c *Config) *V) setting {
	return setting{name, usage,
		func(c *Config) string { return (*field(c)).String() },
		func(c *Config, v string) error {
			var names []string
			for _, x := range values {
				if x.String() == v {
					*field(c) = x
					return nil
				}
				names = append(names, x.String())
			}
			return fmt.Errorf("want %s", strings.Join(names, " or "))
		},
		func(fs *flag.FlagSet, c *Config, s *setting) { fs.Var(flagValue{c, s}, s.name, s.usage) }}
}

// groupSetting is a setting whose value is a group of replicas, their
// indexes separated by commas: "0,1,3"; "" is the empty group.
func groupSetting(name, usage string, field func(c *Config) *spec.ReplicaSet) setting {
	return setting{name, usage,
		func(c *Config) string { return groupText(*field(c)) },
		func(c *Config, v string) error {
			var g spec.ReplicaSet
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part == "" {
					continue
				}
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= ReplicasMax {
					return fmt.Errorf("want replica indexes from 0 to %d separated by commas", ReplicasMax-1)
				}
				if g.Has(spec.ReplicaIndex(i)) {
					return fmt.Errorf("replica %d twice", i)
				}
				g = g.Add(spec.ReplicaIndex(i))
			}
			*field(c) = g
			return nil
		},
		func(fs *flag.FlagSet, c *Config, s *setting) { fs.Var(flagValue{c, s}, s.name, s.usage) }}
}

// groupText returns group g as groupSetting reads it.
func groupText(g spec.ReplicaSet) string {
	var parts []string
	for i := range spec.ReplicaIndex(ReplicasMax) {
		if g.Has(i) {
			parts = append(parts, strconv.Itoa(int(i)))
		}
	}
	return strings.Join(parts, ",")
}

// settings are every setting, in the order Flags registers them.
var settings = []setting{
	intSetting("replicas", "number of replicas", func(c *Config) *int { return &c.Replicas }),
	intSetting("clients", "number of clients", func(c *Config) *int { return &c.Clients }),
	intSetting("values", "number of values the clients submit, one request each", func(c *Config) *int { return &c.Values }),
	intSetting("viewchanges", "timeout-driven view changes (ViewChangeTimeout), at most", func(c *Config) *int { return &c.ViewChanges }),
	intSetting("commit-timeouts", "CommitTimeout firings, at most; -1 is unbounded", func(c *Config) *int { return &c.CommitTimeouts }),
	intSetting("recovery-timeouts", "RecoveryTimeout firings, at most; -1 is unbounded", func(c *Config) *int { return &c.RecoveryTimeouts }),
	intSetting("crashes", "replica crashes, at most", func(c *Config) *int { return &c.Crashes }),
	intSetting("drops", "dropped messages, at most", func(c *Config) *int { return &c.Drops }),
	intSetting("duplicates", "duplicated messages, at most", func(c *Config) *int { return &c.Duplicates }),
	intSetting("max-down", "replicas down at once, at most; -1 is f", func(c *Config) *int { return &c.MaxDown }),
	variantSetting("statetransfer", "state transfer: fixed or paper",
		[]spec.StateTransferVariant{spec.StateTransferFixed, spec.StateTransferPaper},
		func(c *Config) *spec.StateTransferVariant { return &c.StateTransfer }),
	variantSetting("recovery", "replica recovery: crashvectors or paper",
		[]spec.RecoveryVariant{spec.RecoveryCrashVectors, spec.RecoveryPaper},
		func(c *Config) *spec.RecoveryVariant { return &c.Recovery }),
	boolSetting("startview-in-normal", "accept a StartView of the current view in normal status (the literal, unsafe reading)",
		func(c *Config) *bool { return &c.StartViewInNormal }),
	intSetting("batch", "requests a Prepare carries, at most; 0 is 1", func(c *Config) *int { return &c.Batch }),
	intSetting("pipeline", "Prepares outstanding at the primary, at most; 0 is no bound", func(c *Config) *int { return &c.Pipeline }),
	intSetting("checkpoint", "committed operations between checkpoints, after which a replica discards its log up to the previous one; 0 is none",
		func(c *Config) *int { return &c.Checkpoint }),
	intSetting("viewchange-log", "log entries a DoViewChange or StartView carries, at most; 0 is all", func(c *Config) *int { return &c.ViewChangeLog }),
	intSetting("lease", "ticks a primary's lease lasts, for reads at the primary; 0 is no leases", func(c *Config) *int { return &c.Lease }),
	intSetting("lease-margin", "ticks a backup's promise outlasts the lease it grants", func(c *Config) *int { return &c.LeaseMargin }),
	intSetting("lease-timeouts", "LeaseTimeout firings (the primary asks for a lease), at most; -1 is unbounded", func(c *Config) *int { return &c.LeaseTimeouts }),
	intSetting("ticks", "ticks of each replica's clock, at most", func(c *Config) *int { return &c.Ticks }),
	intSetting("drift", "ticks a replica's clock may run ahead of the slowest replica's", func(c *Config) *int { return &c.Drift }),
	groupSetting("members", "the group of epoch 0, replica indexes separated by commas; empty is every replica",
		func(c *Config) *spec.ReplicaSet { return &c.Members }),
	groupSetting("reconfigure", "the group an administrator asks for once, replica indexes separated by commas; empty is no reconfiguration",
		func(c *Config) *spec.ReplicaSet { return &c.Reconfigure }),
	boolSetting("symmetry", "reduce by permutations of the values", func(c *Config) *bool { return &c.Symmetry }),
	intSetting("depth", "the deepest state to explore, in steps from the initial state; 0 is no bound for bfs and 100 for dfs and walk",
		func(c *Config) *int { return &c.Depth }),
}

func lookup(name string) *setting {
	for i := range settings {
		if settings[i].name == name {
			return &settings[i]
		}
	}
	return nil
}

// Set sets the setting called name from its text, as a file or a flag
// gives it.
func (c *Config) Set(name, value string) error {
	s := lookup(name)
	if s == nil {
		return fmt.Errorf("unknown setting %q", name)
	}
	if err := s.set(c, value); err != nil {
		return fmt.Errorf("%s %q: %w", name, value, err)
	}
	return nil
}

// Get returns the text of the setting called name, as Set takes it.
func (c *Config) Get(name string) (string, bool) {
	s := lookup(name)
	if s == nil {
		return "", false
	}
	return s.get(c), true
}

// Validate returns an error, one line, naming the first setting out of
// its range.
func (c *Config) Validate() error {
	for _, k := range []struct {
		name   string
		v      int
		lo, hi int
		low    string // how lo reads, when it means more than a number
	}{
		{"replicas", c.Replicas, 1, ReplicasMax, ""},
		{"clients", c.Clients, 0, ClientsMax, ""},
		{"values", c.Values, 0, ValuesMax, ""},
		{"viewchanges", c.ViewChanges, 0, countMax, ""},
		{"commit-timeouts", c.CommitTimeouts, -1, countMax, "-1 (unbounded)"},
		{"recovery-timeouts", c.RecoveryTimeouts, -1, countMax, "-1 (unbounded)"},
		{"crashes", c.Crashes, 0, countMax, ""},
		{"drops", c.Drops, 0, countMax, ""},
		{"duplicates", c.Duplicates, 0, countMax, ""},
		{"max-down", c.MaxDown, -1, c.Replicas, "-1 (f)"},
		{"batch", c.Batch, 0, batchMax, ""},
		{"pipeline", c.Pipeline, 0, batchMax, ""},
		{"checkpoint", c.Checkpoint, 0, countMax, ""},
		{"viewchange-log", c.ViewChangeLog, 0, batchMax, ""},
		{"lease", c.Lease, 0, batchMax, ""},
		{"lease-margin", c.LeaseMargin, 0, batchMax - c.Lease, ""},
		{"lease-timeouts", c.LeaseTimeouts, -1, countMax, "-1 (unbounded)"},
		{"ticks", c.Ticks, 0, countMax, ""},
		{"drift", c.Drift, 0, countMax, ""},
		{"depth", c.Depth, 0, countMax, ""},
	} {
		if k.v >= k.lo && k.v <= k.hi {
			continue
		}
		low, high := k.low, strconv.Itoa(k.hi)
		if low == "" {
			low = strconv.Itoa(k.lo)
		}
		if k.hi == countMax {
			high = "2^31-1"
		}
		return fmt.Errorf("%s %d: want %s to %s", k.name, k.v, low, high)
	}
	universe := spec.ReplicaSet(1)<<c.Replicas - 1
	for _, g := range []struct {
		name  string
		group spec.ReplicaSet
	}{{"members", c.Members}, {"reconfigure", c.Reconfigure}} {
		switch {
		case g.group&^universe != 0:
			return fmt.Errorf("%s %q: want replicas below %d", g.name, groupText(g.group), c.Replicas)
		case g.group != 0 && g.group.Count()%2 == 0:
			return fmt.Errorf("%s %q: want an odd number of replicas, 2f+1", g.name, groupText(g.group))
		}
	}
	if c.Reconfigure != 0 && c.Reconfigure == c.Spec().Group() {
		return fmt.Errorf("reconfigure %q: want a group other than epoch 0's", groupText(c.Reconfigure))
	}
	return nil
}

// Spec returns the spec's configuration: the number of replicas and the
// variants.
func (c *Config) Spec() spec.Config {
	return spec.Config{Replicas: uint8(c.Replicas), StateTransfer: c.StateTransfer, Recovery: c.Recovery,
		StartViewInNormal: c.StartViewInNormal, Batch: uint16(c.Batch), Pipeline: uint16(c.Pipeline),
		CheckpointInterval: uint32(c.Checkpoint), ViewChangeLog: uint16(c.ViewChangeLog),
		Lease: uint16(c.Lease), LeaseMargin: uint16(c.LeaseMargin), Members: c.Members, Admin: c.admin()}
}

// admin returns the administrator's client ID when the configuration
// reconfigures: the one after the clients'; 0 otherwise.
func (c *Config) admin() spec.ClientID {
	if c.Reconfigure == 0 {
		return 0
	}
	return spec.ClientID(c.Clients + 1)
}

// Down returns the most replicas down at once: MaxDown, or f of the
// group of epoch 0 when MaxDown is -1.
func (c *Config) Down() int {
	if c.MaxDown < 0 {
		return c.Spec().Group().F()
	}
	return c.MaxDown
}

// Bounds returns what the model checker's environment may do.
func (c *Config) Bounds() modelcheck.Bounds {
	return modelcheck.Bounds{
		Clients: c.Clients, Values: c.Values,
		TimeoutLimits: map[string]int{
			ViewChangeTimeout: c.ViewChanges, CommitTimeout: c.CommitTimeouts, RecoveryTimeout: c.RecoveryTimeouts,
			LeaseTimeout: c.LeaseTimeouts,
		},
		Drops: c.Drops, Duplicates: c.Duplicates, Crashes: c.Crashes, MaxDown: c.Down(),
		Clock: Tick, Ticks: c.Ticks, Drift: c.Drift, Reconfigure: uint64(c.Reconfigure),
	}
}

// InitialReplicas returns the replicas of the configuration in their
// initial state.
func (c *Config) InitialReplicas() []spec.Replica { return Replicas(c.Spec()) }

// Replicas returns the replicas of cfg in their initial state: view 0,
// normal status, empty logs.
func Replicas(cfg spec.Config) []spec.Replica {
	rs := make([]spec.Replica, cfg.Replicas)
	for i := range rs {
		rs[i] = spec.NewReplica(cfg, spec.ReplicaIndex(i))
	}
	return rs
}

// ValueNames returns the names of the values the model checker's clients
// submit: v1, v2, ...
func (c *Config) ValueNames() []string {
	names := []string{}
	for v := 1; v <= c.Values; v++ {
		names = append(names, fmt.Sprintf("v%d", v))
	}
	return names
}

// Constant is a constant of VSR.tla and its value in TLA+.
type Constant struct {
	Name, Value string
}

// TLCConstants returns the constants of VSR.tla for the configuration, in
// the order VSR.tla declares them. Symmetry is no constant: a TLC
// configuration says it with SYMMETRY ValuePermutations.
func (c *Config) TLCConstants() []Constant {
	var unbounded []string
	limit := func(name string, n int) string {
		if n < 0 {
			unbounded = append(unbounded, strconv.Quote(name))
			return "0"
		}
		return strconv.Itoa(n)
	}
	commits := limit(CommitTimeout, c.CommitTimeouts)
	viewChanges := limit(ViewChangeTimeout, c.ViewChanges)
	recoveries := limit(RecoveryTimeout, c.RecoveryTimeouts)
	leases := limit(LeaseTimeout, c.LeaseTimeouts)
	return []Constant{
		{"NumReplicas", strconv.Itoa(c.Replicas)},
		{"NumClients", strconv.Itoa(c.Clients)},
		{"Values", "{" + strings.Join(c.ValueNames(), ", ") + "}"},
		{"ViewChangeTimeouts", viewChanges},
		{"CommitTimeouts", commits},
		{"RecoveryTimeouts", recoveries},
		{"UnboundedTimeouts", "{" + strings.Join(unbounded, ", ") + "}"},
		{"Drops", strconv.Itoa(c.Drops)},
		{"Duplicates", strconv.Itoa(c.Duplicates)},
		{"Crashes", strconv.Itoa(c.Crashes)},
		{"MaxDown", strconv.Itoa(c.Down())},
		{"StateTransfer", strconv.Quote(c.StateTransfer.String())},
		{"Recovery", strconv.Quote(c.Recovery.String())},
		{"StartViewInNormal", strings.ToUpper(strconv.FormatBool(c.StartViewInNormal))},
		{"Batch", strconv.Itoa(max(1, c.Batch))},
		{"Pipeline", strconv.Itoa(c.Pipeline)},
		{"CheckpointInterval", strconv.Itoa(c.Checkpoint)},
		{"ViewChangeLog", strconv.Itoa(c.ViewChangeLog)},
		{"Lease", strconv.Itoa(c.Lease)},
		{"LeaseMargin", strconv.Itoa(c.LeaseMargin)},
		{"LeaseTimeouts", leases},
		{"Ticks", strconv.Itoa(c.Ticks)},
		{"Drift", strconv.Itoa(c.Drift)},
		{"InitialMembers", groupTLA(c.Members)},
		{"Reconfigure", groupTLA(c.Reconfigure)},
		{"Admin", strconv.Itoa(int(c.admin()))},
		{"MaxDepth", strconv.Itoa(c.Depth)},
	}
}

// groupTLA returns group g as a TLA+ set of replica indexes.
func groupTLA(g spec.ReplicaSet) string {
	return "{" + strings.ReplaceAll(groupText(g), ",", ", ") + "}"
}

// File is a configuration file as read: the configuration, from the
// defaults with the file's settings applied, and its comment lines.
type File struct {
	Config  Config
	Comment []string
}

// ReadFile reads the configuration file at path.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	file := &File{Config: Default()}
	if err := file.read(f, path); err != nil {
		return nil, err
	}
	return file, nil
}

// Parse reads a configuration file from r; name is its name in errors.
func Parse(r io.Reader, name string) (*File, error) {
	file := &File{Config: Default()}
	if err := file.read(r, name); err != nil {
		return nil, err
	}
	return file, nil
}

func (f *File) read(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	seen := map[string]int{}
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(text, "#"); ok {
			f.Comment = append(f.Comment, strings.TrimSpace(rest))
			continue
		}
		if text == "" {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return fmt.Errorf("%s:%d: want name = value", name, line)
		}
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s:%d: %s is set already, at line %d", name, line, key, first)
		}
		seen[key] = line
		if err := f.Config.Set(key, value); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Flags registers one flag per setting in fs, each setting c, with c's
// values as the defaults.
func (c *Config) Flags(fs *flag.FlagSet) {
	for i := range settings {
		settings[i].flag(fs, c, &settings[i])
	}
}

// FlagsOf registers in fs the flags of the settings named, each setting c:
// for a command that takes some of a configuration's settings.
func (c *Config) FlagsOf(fs *flag.FlagSet, names ...string) {
	for _, name := range names {
		s := lookup(name)
		if s == nil {
			panic("bounded: no setting " + name)
		}
		s.flag(fs, c, s)
	}
}

// Overlay returns base with every setting that fs set on its command line
// applied on top, for flags registered by Flags: the command line wins over
// a file.
func Overlay(base Config, fs *flag.FlagSet) (Config, error) {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if lookup(f.Name) != nil && err == nil {
			err = base.Set(f.Name, f.Value.String())
		}
	})
	return base, err
}

// flagValue is the flag of a variant setting.
type flagValue struct {
	c *Config
	s *setting
}

func (v flagValue) String() string {
	if v.c == nil {
		return ""
	}
	return v.s.get(v.c)
}

func (v flagValue) Set(text string) error { return v.s.set(v.c, text) }

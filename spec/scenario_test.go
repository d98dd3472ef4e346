package spec_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/internal/scenario"
	"github.com/viewstamped/vsr/internal/script"
	"github.com/viewstamped/vsr/spec"
)

// TestScenarios runs the interaction scripts in testdata/scenarios against
// a cluster of generated replicas, then checks that every rule of the spec
// fired somewhere in them.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/scenarios/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var fired [generated.NumRules + 1]int
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			h := &harness{}
			script.Run(t, file, h.do)
			h.count()
			for id, n := range h.fired {
				fired[id] += n
			}
		})
	}
	for id := 1; id <= generated.NumRules; id++ {
		t.Logf("rule %-30s fired %4d times", generated.Rules[id].Name, fired[id])
	}
	require.Empty(t, neverFired(fired), "rules that no scenario fires")
}

// neverFired lists the rules that fired zero times.
func neverFired(fired [generated.NumRules + 1]int) []string {
	var never []string
	for id := 1; id <= generated.NumRules; id++ {
		if fired[id] == 0 {
			never = append(never, generated.Rules[id].Name)
		}
	}
	return never
}

// TestNeverFired checks that the coverage check catches a rule that never
// fires.
func TestNeverFired(t *testing.T) {
	var fired [generated.NumRules + 1]int
	require.Len(t, neverFired(fired), generated.NumRules)
	for id := range fired {
		fired[id] = 1
	}
	require.Empty(t, neverFired(fired))
	fired[generated.RuleReceiveStartView] = 0
	require.Equal(t, []string{"ReceiveStartView"}, neverFired(fired))
}

// harness runs the commands of one script.
type harness struct {
	c *scenario.Cluster
	// fired counts the rules fired by the clusters of the script that
	// have been replaced.
	fired [generated.NumRules + 1]int
}

// count adds the rules the current cluster fired to h.fired.
func (h *harness) count() {
	if h.c == nil {
		return
	}
	for id, n := range h.c.Fired {
		h.fired[id] += n
	}
	h.c.Fired = [generated.NumRules + 1]int{}
}

func (h *harness) do(cmd script.Cmd) string {
	out, err := h.run(cmd)
	if err != nil {
		return "error: " + err.Error()
	}
	return out
}

func (h *harness) run(cmd script.Cmd) (string, error) {
	if cmd.Name != "cluster" && h.c == nil {
		return "", fmt.Errorf("no cluster: start with cluster replicas=N")
	}
	switch cmd.Name {
	case "cluster":
		view, err := intArg(cmd, "view", 0)
		if err != nil {
			return "", err
		}
		// The settings of the spec's configuration, named as in vsrgen
		// check's flags.
		c := bounded.Default()
		for _, a := range cmd.Args {
			switch a.Key {
			case "view":
			case "replicas", "statetransfer", "recovery", "startview-in-normal", "batch", "pipeline", "checkpoint", "viewchange-log",
				"lease", "lease-margin", "members", "reconfigure":
				if err := c.Set(a.Key, a.Value); err != nil {
					return "", err
				}
			default:
				return "", fmt.Errorf("cluster: unknown argument %q", a.Key)
			}
		}
		if err := c.Validate(); err != nil {
			return "", err
		}
		cfg := c.Spec()
		h.count()
		h.c = scenario.New(cfg)
		for i := range h.c.Replicas {
			h.c.Replicas[i].View = spec.ViewNumber(view)
		}
		return lines(h.c.StateLines()), nil
	case "request":
		client, err := intArg(cmd, "client", 1)
		if err != nil {
			return "", err
		}
		req, err := intArg(cmd, "req", 1)
		if err != nil {
			return "", err
		}
		to, err := intArg(cmd, "to", int(h.c.Replicas[0].Config.Primary(h.c.Replicas[0].View)))
		if err != nil {
			return "", err
		}
		op, _ := cmd.Get("op")
		read, _ := cmd.Get("read")
		m := spec.Request{Op: []byte(op), Client: spec.ClientID(client), Request: spec.RequestNumber(req), Read: read == "true"}
		e, err := h.c.Send(scenario.Client, spec.ClientID(client), spec.ReplicaIndex(to), m)
		if err != nil {
			return "", err
		}
		return e.String(), nil
	case "reconfigure":
		// reconfigure to=0 epoch=0 group=0,1,3: the administrator's
		// request, number req (1 by default).
		req, err := intArg(cmd, "req", 1)
		if err != nil {
			return "", err
		}
		to, err := intArg(cmd, "to", 0)
		if err != nil {
			return "", err
		}
		epoch, err := intArg(cmd, "epoch", 0)
		if err != nil {
			return "", err
		}
		var g bounded.Config
		text, _ := cmd.Get("group")
		if err := g.Set("members", text); err != nil {
			return "", err
		}
		admin := h.c.Replicas[0].Config.Admin
		m := spec.NewReconfiguration(admin, spec.RequestNumber(req), spec.EpochNumber(epoch), g.Members)
		e, err := h.c.Send(scenario.Client, admin, spec.ReplicaIndex(to), m)
		if err != nil {
			return "", err
		}
		return e.String(), nil
	case "deliver":
		var out []string
		for _, w := range cmd.Words() {
			id, err := strconv.Atoi(w)
			if err != nil {
				return "", fmt.Errorf("deliver: %q is not a message number", w)
			}
			more, err := h.c.Deliver(id)
			if err != nil {
				return "", err
			}
			out = append(out, more...)
		}
		return lines(out), nil
	case "duplicate":
		var out []string
		for _, w := range cmd.Words() {
			id, err := strconv.Atoi(w)
			if err != nil {
				return "", fmt.Errorf("duplicate: %q is not a message number", w)
			}
			e, err := h.c.Duplicate(id)
			if err != nil {
				return "", err
			}
			out = append(out, e.String())
		}
		return lines(out), nil
	case "drop":
		for _, w := range cmd.Words() {
			id, err := strconv.Atoi(w)
			if err != nil {
				return "", fmt.Errorf("drop: %q is not a message number", w)
			}
			if err := h.c.Drop(id); err != nil {
				return "", err
			}
		}
		return "ok", nil
	case "timeout":
		r, err := intArg(cmd, "r", 0)
		if err != nil {
			return "", err
		}
		words := cmd.Words()
		if len(words) != 1 || timeouts[words[0]] == nil {
			return "", fmt.Errorf("timeout: name one timeout kind")
		}
		out, err := h.c.Timeout(spec.ReplicaIndex(r), timeouts[words[0]])
		return lines(out), err
	case "crash", "restart":
		r, err := intArg(cmd, "r", 0)
		if err != nil {
			return "", err
		}
		var out []string
		if cmd.Name == "crash" {
			out, err = h.c.Crash(spec.ReplicaIndex(r))
		} else {
			out, err = h.c.Restart(spec.ReplicaIndex(r))
		}
		return lines(out), err
	case "stabilize":
		var cut []spec.ReplicaIndex
		for _, a := range cmd.Args {
			if a.Key != "cut" {
				return "", fmt.Errorf("stabilize: unknown argument %q", a.Key+"="+a.Value)
			}
			r, err := strconv.Atoi(a.Value)
			if err != nil {
				return "", fmt.Errorf("stabilize: cut=%q: not a replica", a.Value)
			}
			cut = append(cut, spec.ReplicaIndex(r))
		}
		return lines(h.c.Stabilize(cut...)), nil
	case "state":
		return lines(h.c.StateLines()), nil
	case "net":
		var out []string
		for _, e := range h.c.InFlight() {
			out = append(out, e.String())
		}
		if len(out) == 0 {
			return "(none in flight)", nil
		}
		return lines(out), nil
	case "replies":
		var out []string
		for _, r := range h.c.Replies {
			out = append(out, fmt.Sprintf("r%d->c%d %s", r.From, r.Reply.Client, scenario.Format(r.Reply)))
		}
		if len(out) == 0 {
			return "(no replies)", nil
		}
		return lines(out), nil
	case "check":
		if err := h.c.Check(); err != nil {
			return "violated: " + err.Error(), nil
		}
		return "ok", nil
	case "inject":
		return h.inject(cmd)
	}
	return "", fmt.Errorf("unknown command %q", cmd.Name)
}

// timeouts are the timeouts a script can fire by name.
var timeouts = map[string]any{
	"CommitTimeout":     spec.CommitTimeout{},
	"ViewChangeTimeout": spec.ViewChangeTimeout{},
	"RecoveryTimeout":   spec.RecoveryTimeout{},
	"LeaseTimeout":      spec.LeaseTimeout{},
	"Tick":              spec.Tick{},
}

// messages are the message types a script can inject by name.
var messages = map[string]reflect.Type{
	"Request":         reflect.TypeOf(spec.Request{}),
	"Prepare":         reflect.TypeOf(spec.Prepare{}),
	"PrepareOK":       reflect.TypeOf(spec.PrepareOK{}),
	"Commit":          reflect.TypeOf(spec.Commit{}),
	"StartViewChange": reflect.TypeOf(spec.StartViewChange{}),
	"GetState":        reflect.TypeOf(spec.GetState{}),
	"StartEpoch":      reflect.TypeOf(spec.StartEpoch{}),
	"Recovery":        reflect.TypeOf(spec.Recovery{}),
}

// inject puts a hand-made message in flight: inject from=1 to=0 PrepareOK
// View=0 Op=1 Replica=1. Nested fields are named with a dot, and the
// elements of a list by their index (Requests.0.Client=1); byte slices
// take a string, crash vectors a comma list (CrashVector=0,1,0).
func (h *harness) inject(cmd script.Cmd) (string, error) {
	from, err := intArg(cmd, "from", 0)
	if err != nil {
		return "", err
	}
	to, err := intArg(cmd, "to", 0)
	if err != nil {
		return "", err
	}
	words := cmd.Words()
	if len(words) != 1 || messages[words[0]] == nil {
		return "", fmt.Errorf("inject: name one message type")
	}
	v := reflect.New(messages[words[0]]).Elem()
	for _, a := range cmd.Args {
		if a.Key == "" || a.Key == "from" || a.Key == "to" {
			continue
		}
		f := v
		for _, name := range strings.Split(a.Key, ".") {
			if i, err := strconv.Atoi(name); err == nil && f.Kind() == reflect.Slice && i >= 0 && i < 64 {
				for f.Len() <= i {
					f.Set(reflect.Append(f, reflect.Zero(f.Type().Elem())))
				}
				f = f.Index(i)
				continue
			}
			if f.Kind() != reflect.Struct {
				return "", fmt.Errorf("inject: %s has no field %s", words[0], a.Key)
			}
			f = f.FieldByName(name)
			if !f.IsValid() {
				return "", fmt.Errorf("inject: %s has no field %s", words[0], a.Key)
			}
		}
		switch {
		case f.Type() == reflect.TypeOf([]uint32(nil)):
			var cv []uint32
			for _, e := range strings.Split(a.Value, ",") {
				n, err := strconv.ParseUint(e, 10, 32)
				if err != nil {
					return "", fmt.Errorf("inject: %s=%q: %w", a.Key, a.Value, err)
				}
				cv = append(cv, uint32(n))
			}
			f.Set(reflect.ValueOf(cv))
		case f.Type() == reflect.TypeOf([]byte(nil)):
			f.SetBytes([]byte(a.Value))
		default:
			n, err := strconv.ParseUint(a.Value, 10, 64)
			if err != nil {
				return "", fmt.Errorf("inject: %s=%q: %w", a.Key, a.Value, err)
			}
			f.SetUint(n)
		}
	}
	e, err := h.c.Send(from, 0, spec.ReplicaIndex(to), v.Interface())
	if err != nil {
		return "", fmt.Errorf("inject: %w", err)
	}
	return e.String(), nil
}

func intArg(cmd script.Cmd, key string, def int) (int, error) {
	s, ok := cmd.Get(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a number", key, s)
	}
	return n, nil
}

func lines(l []string) string { return strings.Join(l, "\n") }

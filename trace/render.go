package trace

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"unicode"
	"unicode/utf8"

	"github.com/viewstamped/vsr/generated"
	"github.com/viewstamped/vsr/generated/checker"
	"github.com/viewstamped/vsr/lang"
	"github.com/viewstamped/vsr/modelcheck/model"
	"github.com/viewstamped/vsr/spec"
)

// intLimit is the first integer a trace cannot hold: TLC's Json module
// reads 32-bit integers and truncates larger ones.
const intLimit = 1 << 31

// statusNames names each Status by its Go constant, as traces and VSR.tla
// do.
var statusNames = [...]string{
	spec.Normal:           "Normal",
	spec.ViewChange:       "ViewChange",
	spec.StateTransfer:    "StateTransfer",
	spec.RecoveringVector: "RecoveringVector",
	spec.Recovering:       "Recovering",
	spec.Crashed:          "Crashed",
	spec.Standby:          "Standby",
	spec.Leaving:          "Leaving",
	spec.Shutdown:         "Shutdown",
}

// epochFields are the fields of reconfiguration (7), which a trace leaves
// out while they are zero: a replica's state and messages in epoch 0 read
// as they did before epochs, and so do the traces of runs that never
// reconfigure.
var epochFields = map[string]bool{
	"Epoch": true, "Reconfigure": true, "OldMembers": true, "EpochStart": true, "EpochStarted": true, "Members": true,
}

var (
	statusType     = reflect.TypeFor[spec.Status]()
	replicaSetType = reflect.TypeFor[spec.ReplicaSet]()
	requestType    = reflect.TypeFor[spec.Request]()
	replyType      = reflect.TypeFor[spec.Reply]()
	checkpointType = reflect.TypeFor[spec.Checkpoint]()
)

// State renders a replica's state: every field but Config and Index, which
// the header and the line's node give.
func State(r *spec.Replica) ([]byte, error) {
	e := encoder{}
	skip := func(name string) bool {
		return name == "Config" || name == "Index" || name == "Members" && r.Epoch == 0 && r.Members == r.Config.Group()
	}
	if err := e.object(reflect.ValueOf(r).Elem(), false, skip, "state"); err != nil {
		return nil, err
	}
	return e.b, nil
}

// Value renders a message, request or timeout of the spec, lang.Crash or
// lang.Restart, as a step's args: an object whose first key, "type", names
// its type.
func Value(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("trace: %T is not a message or an event", v)
	}
	e := encoder{}
	if err := e.object(rv, true, nil, "args"); err != nil {
		return nil, err
	}
	return e.b, nil
}

// Args renders what a step of the model checker consumed.
func Args(ev model.Event) ([]byte, error) {
	switch ev.Kind {
	case model.EventMessage:
		m, err := generated.UnmarshalMessage(ev.Msg)
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		return Value(m)
	case model.EventTimeout:
		// A timeout carries no fields: its args are its type.
		names := checker.Protocol{}.Timeouts()
		if ev.Timeout < 0 || ev.Timeout >= len(names) {
			return nil, fmt.Errorf("trace: no timeout kind %d", ev.Timeout)
		}
		e := encoder{b: []byte(`{"type":`)}
		e.string(names[ev.Timeout])
		return append(e.b, '}'), nil
	case model.EventRequest:
		return Value(spec.NewRequest(spec.ClientID(ev.Client), spec.RequestNumber(ev.Request), ev.Value))
	case model.EventReconfigure:
		return Value(spec.NewReconfiguration(spec.ClientID(ev.Client), spec.RequestNumber(ev.Request),
			spec.EpochNumber(ev.Epoch), spec.ReplicaSet(ev.Members)))
	case model.EventCrash:
		return Value(lang.Crash{})
	case model.EventRestart:
		return Value(lang.Restart{Nonce: ev.Nonce})
	}
	return nil, fmt.Errorf("trace: no event of kind %d", ev.Kind)
}

// SpecRenderer renders the VR spec's values: State and Args.
type SpecRenderer struct{}

var _ Renderer[spec.Replica] = SpecRenderer{}

func (SpecRenderer) State(r *spec.Replica) ([]byte, error) { return State(r) }

func (SpecRenderer) Args(ev model.Event) ([]byte, error) { return Args(ev) }

// encoder appends JSON with object keys in the order of the Go fields.
type encoder struct {
	b []byte
}

// value appends v; path names it in errors. A struct is typed when it is
// a message between replicas (see typed).
func (e *encoder) value(v reflect.Value, path string) error {
	switch t := v.Type(); {
	case t == statusType:
		s := v.Uint()
		if s >= uint64(len(statusNames)) || statusNames[s] == "" {
			return fmt.Errorf("trace: %s: no status %d", path, s)
		}
		e.string(statusNames[s])
		return nil
	case t == replicaSetType:
		e.b = append(e.b, '[')
		for i, set := 0, v.Uint(); set != 0; i, set = i+1, set>>1 {
			if set&1 == 1 {
				if e.b[len(e.b)-1] != '[' {
					e.b = append(e.b, ',')
				}
				e.b = fmt.Appendf(e.b, "%d", i)
			}
		}
		e.b = append(e.b, ']')
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		e.b = fmt.Appendf(e.b, "%t", v.Bool())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.Uint() >= intLimit {
			return fmt.Errorf("trace: %s is %d, not below 2^31", path, v.Uint())
		}
		e.b = fmt.Appendf(e.b, "%d", v.Uint())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n := v.Int(); n >= intLimit || n <= -intLimit {
			return fmt.Errorf("trace: %s is %d, not within 2^31", path, n)
		}
		e.b = fmt.Appendf(e.b, "%d", v.Int())
	case reflect.String:
		return e.text(v.String(), path)
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return e.text(string(v.Bytes()), path)
		}
		e.b = append(e.b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			if err := e.value(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		e.b = append(e.b, ']')
	case reflect.Struct:
		return e.object(v, typed(v.Type()), nil, path)
	default:
		return fmt.Errorf("trace: %s: cannot render a %s", path, v.Type())
	}
	return nil
}

// typed reports whether a value of type t, below the top level, carries
// its type: a message between replicas does (the DoViewChange and
// RecoveryResponse messages a replica keeps); a request (a log entry) or a
// reply (in the client table) does not.
func typed(t reflect.Type) bool {
	return t != requestType && t != replyType && generated.KindOf(reflect.Zero(t).Interface()) != 0
}

// object appends struct v as an object, "type" first when typed, then its
// exported fields but those skip names, each named as the field with a
// lower-case first letter.
func (e *encoder) object(v reflect.Value, typed bool, skip func(string) bool, path string) error {
	e.b = append(e.b, '{')
	first := true
	key := func(k string) {
		if !first {
			e.b = append(e.b, ',')
		}
		first = false
		e.string(k)
		e.b = append(e.b, ':')
	}
	t := v.Type()
	if typed {
		key("type")
		e.string(t.Name())
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || skip != nil && skip(f.Name) || epochFields[f.Name] && v.Field(i).IsZero() {
			continue
		}
		name := lowerFirst(f.Name)
		key(name)
		if t == checkpointType && f.Name == "State" {
			// A snapshot is the application's bytes: hexadecimal, so
			// that any of them makes a JSON string.
			e.string(hex.EncodeToString(v.Field(i).Bytes()))
			continue
		}
		if err := e.value(v.Field(i), path+"."+name); err != nil {
			return err
		}
	}
	e.b = append(e.b, '}')
	return nil
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// text appends s as a JSON string; it must be valid UTF-8.
func (e *encoder) text(s, path string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("trace: %s: %q is not UTF-8", path, s)
	}
	e.string(s)
	return nil
}

// string appends s, valid UTF-8, as a JSON string.
func (e *encoder) string(s string) {
	const hex = "0123456789abcdef"
	e.b = append(e.b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			e.b = append(e.b, '\\', c)
		case c < 0x20:
			e.b = append(e.b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			e.b = append(e.b, c)
		}
	}
	e.b = append(e.b, '"')
}

// Package ir is the second stage of vsrgen: it checks the model that load
// read against the rules of the description language and orders it for the
// emitters. Slices give the output order; maps are only for lookup.
package ir

import (
	"fmt"
	"go/token"
	"strings"

	"github.com/viewstamped/vsr/gen/load"
	"github.com/viewstamped/vsr/lang"
)

// Role is what a struct is to the protocol.
type Role uint8

const (
	Data    Role = iota // a struct reachable from a message or the state
	State               // the replica's state
	Config              // the protocol options
	Message             // between replicas
	Request             // from a client
	Reply               // to a client
	Timeout             // a timeout kind
)

// Struct is a struct type of the spec that gets generated methods.
type Struct struct {
	Name   string
	Pos    load.Pos
	Role   Role
	Kind   int // the message kind, from 1, for messages, requests and replies
	Fields []*load.Field
	// Deep reports whether a value holds slices, so that Clone must copy.
	Deep bool
	// Values reports whether a value holds fields tagged vsr:"value".
	Values bool
}

// IsMessage reports whether s travels on the wire on its own.
func (s *Struct) IsMessage() bool { return s.Role == Message || s.Role == Request || s.Role == Reply }

// Enum is a named integer type of the spec with declared constants: a
// decoder accepts only the values of its constants.
type Enum struct {
	Name string
	// Values holds one constant for each value, in source order.
	Values []*load.Const
}

// Rule is one guarded command.
type Rule struct {
	ID      int // from 1, in evaluation order
	Name    string
	Pos     load.Pos
	Section string
	Trigger lang.TriggerKind
	// Event names what the rule answers: a message, request or timeout
	// type, the message type of a quorum, or Crash or Restart.
	Event string
}

// Event is one kind of input to a replica, with the rules that answer it in
// the order they are evaluated.
type Event struct {
	Trigger lang.TriggerKind // OnMessage, OnRequest, OnTimeout, OnCrash or OnRestart
	Name    string
	Rules   []*Rule
	// Quorum holds the rules triggered by QuorumOf[Name], evaluated after
	// one of Rules has consumed the message.
	Quorum []*Rule
}

// Predicate is an invariant, a predicate over the states of all replicas
// and, when Replies is set, the replies the clients received; or an action
// property, a predicate over one replica's state before and after a step.
type Predicate struct {
	Name    string
	Pos     load.Pos
	Replies bool
}

// ClientFunc is the spec's //vsr:client function,
// func(ClientType, N, []byte) Request, which the model checker calls to
// make the n-th request of a client with a value.
type ClientFunc struct {
	Name string
	Pos  load.Pos
	// Number is the type of the request number: a type of the spec when
	// NumberInSpec, else a predeclared integer type.
	Number       string
	NumberInSpec bool
	Request      string // the request type it returns
}

// ReconfigureFunc is the spec's //vsr:reconfigure function,
// func(ClientType, N, E, S) Request, which the model checker calls to make
// the administrator's n-th request, a reconfiguration that ends epoch e
// with group s. N, E and S are integer types.
type ReconfigureFunc struct {
	Name    string
	Pos     load.Pos
	Request string // the request type it returns
	// Params holds the types of N, E and S, each qualified by the spec's
	// package when InSpec.
	Params [3]string
	InSpec [3]bool
}

// Protocol is a checked spec.
type Protocol struct {
	SpecPath string // import path of the spec package
	SpecName string
	Module   string
	State    *Struct
	Config   *Struct // nil when the spec declares none
	// Messages holds messages, requests and replies in kind order.
	Messages []*Struct
	// Structs holds every struct with generated methods, in source order.
	Structs    []*Struct
	Timeouts   []*Struct
	Rules      []*Rule
	Events     []*Event
	Invariants []*Predicate
	Actions    []*Predicate
	// ReplyType is the reply type that invariants take, or "".
	ReplyType string
	// Client is the function that makes a client's request, or nil.
	Client *ClientFunc
	// Reconfigure is the function that makes a reconfiguration, or nil.
	Reconfigure *ReconfigureFunc
	// ReplicaType and ClientType are the spec's replica index and client ID
	// types, the type arguments of lang.Effects.
	ReplicaType string
	ClientType  string
	// Enums holds the enums that fields hold, in the order first met.
	Enums []*Enum
	enums map[string]*Enum
}

// EnumOf returns the enum named name, or nil when the type has no
// constants or no field holds it.
func (p *Protocol) EnumOf(name string) *Enum { return p.enums[name] }

// Build checks spec and returns the protocol, or every error found.
func Build(spec *load.Spec) (*Protocol, error) {
	b := &builder{spec: spec, decls: map[string]*load.Decl{}, structs: map[string]*Struct{}}
	p := b.build()
	if len(b.errs) > 0 {
		// The checks run construct by construct; report in spec order.
		b.errs.Sort()
		return nil, b.errs
	}
	return p, nil
}

type builder struct {
	spec    *load.Spec
	decls   map[string]*load.Decl
	structs map[string]*Struct
	errs    load.Errors
	p       *Protocol
}

func (b *builder) errorf(pos load.Pos, format string, args ...any) {
	b.errs = append(b.errs, &load.Error{Pos: pos, Stage: "ir", Msg: fmt.Sprintf(format, args...)})
}

var roles = map[string]Role{
	"state": State, "config": Config, "message": Message,
	"request": Request, "reply": Reply, "timeout": Timeout,
}

func (b *builder) build() *Protocol {
	b.p = &Protocol{SpecPath: b.spec.PkgPath, SpecName: b.spec.PkgName, Module: b.spec.Module}
	for _, d := range b.spec.Decls {
		b.decls[d.Name] = d
	}
	b.markedStructs()
	if b.p.State == nil {
		pos := load.Pos{File: "?"}
		if len(b.spec.Decls) > 0 {
			pos = b.spec.Decls[0].Pos
		}
		b.errorf(pos, "no replica state: mark one struct //vsr:state")
		return b.p
	}
	b.reachableStructs()
	b.rules()
	b.invariants()
	b.exported()
	b.generatedNames()
	return b.p
}

// exported checks that the generated package, which lives elsewhere, can
// name every type, field, rule and invariant it uses.
func (b *builder) exported() {
	for _, s := range b.p.Structs {
		if !token.IsExported(s.Name) {
			b.errorf(s.Pos, "type %s: unexported; the generated package cannot name it", s.Name)
		}
		for _, f := range s.Fields {
			if !token.IsExported(f.Name) {
				b.errorf(f.Pos, "type %s: field %s: unexported; the generated package cannot reach it", s.Name, f.Name)
			}
		}
	}
	for _, t := range b.p.Timeouts {
		if !token.IsExported(t.Name) {
			b.errorf(t.Pos, "timeout %s: unexported; the generated package cannot name it", t.Name)
		}
	}
	for _, r := range b.p.Rules {
		if !token.IsExported(r.Name) {
			b.errorf(r.Pos, "rule %s: unexported; the generated package cannot call it", r.Name)
		}
	}
	for _, inv := range b.p.Invariants {
		if !token.IsExported(inv.Name) {
			b.errorf(inv.Pos, "invariant %s: unexported; the generated package cannot call it", inv.Name)
		}
	}
}

// fixedNames are the declarations the emitters always write.
var fixedNames = []string{
	"Kind", "KindOf", "AppendMessage", "UnmarshalMessage", "EncodeEffects",
	"RuleID", "RuleNone", "NumRules", "Rules", "Fired", "Dispatch", "ApplyRule",
	"Invariant", "Invariants", "CheckInvariants",
}

// generatedNames checks that the names the emitters derive from the spec
// (a type per struct, Kind<Message>, Rule<Rule>, On<Event>, Enabled<Event>)
// are distinct
// from each other and from the fixed ones.
func (b *builder) generatedNames() {
	owner := map[string]string{}
	for _, name := range fixedNames {
		owner[name] = "the generated package itself"
	}
	claim := func(name, what, subject string, pos load.Pos) {
		if prev, ok := owner[name]; ok {
			b.errorf(pos, "%s: the generated name %s is taken by %s; rename the %s", subject, name, prev, strings.Fields(subject)[0])
			return
		}
		owner[name] = what
	}
	for _, s := range b.p.Structs {
		claim(s.Name, "the type of "+s.Name, "type "+s.Name, s.Pos)
	}
	for _, m := range b.p.Messages {
		claim("Kind"+m.Name, "the kind of message "+m.Name, "type "+m.Name, m.Pos)
	}
	for _, r := range b.p.Rules {
		claim("Rule"+r.Name, "the RuleID of rule "+r.Name, "rule "+r.Name, r.Pos)
	}
	for _, e := range b.p.Events {
		claim("On"+e.Name, "the dispatch function of "+e.Name, "type "+e.Name, e.Rules[0].Pos)
		claim("Enabled"+e.Name, "the guard function of "+e.Name, "type "+e.Name, e.Rules[0].Pos)
	}
}

// markedStructs collects the state, config, messages and timeouts.
func (b *builder) markedStructs() {
	for _, d := range b.spec.Decls {
		role, ok := roles[d.Marker]
		if !ok {
			continue
		}
		if !d.Struct {
			b.errorf(d.Pos, "type %s: //vsr:%s marks a struct, not %s", d.Name, d.Marker, d.Type.Desc)
			continue
		}
		s := &Struct{Name: d.Name, Pos: d.Pos, Role: role, Fields: d.Fields}
		switch role {
		case State:
			if b.p.State != nil {
				b.errorf(d.Pos, "type %s: second //vsr:state, after %s at %s", d.Name, b.p.State.Name, b.p.State.Pos)
				continue
			}
			b.p.State = s
		case Config:
			if b.p.Config != nil {
				b.errorf(d.Pos, "type %s: second //vsr:config, after %s at %s", d.Name, b.p.Config.Name, b.p.Config.Pos)
				continue
			}
			b.p.Config = s
		case Timeout:
			if len(d.Fields) > 0 {
				b.errorf(d.Fields[0].Pos, "timeout %s: a timeout carries no fields", d.Name)
			}
			b.p.Timeouts = append(b.p.Timeouts, s)
			continue
		default:
			s.Kind = len(b.p.Messages) + 1
			b.p.Messages = append(b.p.Messages, s)
		}
		b.structs[d.Name] = s
	}
}

// reachableStructs adds the unmarked structs that marked ones hold, checks
// every field type, and lists the structs in source order.
func (b *builder) reachableStructs() {
	var visit func(s *Struct)
	visiting := map[string]bool{}
	visit = func(s *Struct) {
		if visiting[s.Name] {
			return
		}
		visiting[s.Name] = true
		for _, f := range s.Fields {
			b.checkField(s, f, f.Type, visit)
		}
	}
	for _, d := range b.spec.Decls {
		if s := b.structs[d.Name]; s != nil {
			visit(s)
		}
	}
	for _, d := range b.spec.Decls {
		if s := b.structs[d.Name]; s != nil {
			b.p.Structs = append(b.p.Structs, s)
		}
	}
	for _, s := range b.p.Structs {
		s.Deep = b.deep(s, map[string]bool{})
		s.Values = b.holdsValues(s, map[string]bool{})
	}
	b.enumsOf()
}

// enumsOf collects the enums that the fields of the structs hold.
func (b *builder) enumsOf() {
	b.p.enums = map[string]*Enum{}
	var walk func(t *load.Type)
	walk = func(t *load.Type) {
		switch t.Kind {
		case load.Slice, load.Array:
			walk(t.Elem)
		case load.Int, load.Uint:
			d := b.decls[t.Named]
			if t.Named == "" || d == nil || len(d.Consts) == 0 || b.p.enums[t.Named] != nil {
				return
			}
			e := &Enum{Name: t.Named}
			seen := map[string]bool{}
			for _, c := range d.Consts {
				if !seen[c.Value] {
					seen[c.Value] = true
					e.Values = append(e.Values, c)
				}
			}
			b.p.enums[t.Named] = e
			b.p.Enums = append(b.p.Enums, e)
		}
	}
	for _, s := range b.p.Structs {
		for _, f := range s.Fields {
			walk(f.Type)
		}
	}
}

func (b *builder) checkField(s *Struct, f *load.Field, t *load.Type, visit func(*Struct)) {
	switch t.Kind {
	case load.Bool, load.Int, load.Uint:
		if f.Value && t == f.Type {
			b.errorf(f.Pos, "type %s: field %s: a vsr:\"value\" field is a byte slice or a string, not %s", s.Name, f.Name, t.Desc)
		}
	case load.Unsupported:
		hint := "a message or the state holds only fixed-width integers, bools, strings, byte slices, slices, arrays and structs of the spec"
		if t.Desc == "int" || t.Desc == "uint" || t.Desc == "uintptr" {
			hint = "use a fixed-width integer type"
		}
		b.errorf(f.Pos, "type %s: field %s: unsupported type %s: %s", s.Name, f.Name, t.Desc, hint)
	case load.Slice, load.Array:
		b.checkField(s, f, t.Elem, visit)
	case load.Struct:
		inner, ok := b.structs[t.Named]
		if !ok {
			d := b.decls[t.Named]
			if d.Marker != "" {
				b.errorf(f.Pos, "type %s: field %s: %s is marked //vsr:%s and cannot be held by another type", s.Name, f.Name, t.Named, d.Marker)
				return
			}
			inner = &Struct{Name: d.Name, Pos: d.Pos, Role: Data, Fields: d.Fields}
			b.structs[d.Name] = inner
		} else if inner.Role == State || inner.Role == Timeout {
			b.errorf(f.Pos, "type %s: field %s: %s cannot be held by another type", s.Name, f.Name, t.Named)
			return
		}
		visit(inner)
	}
}

func (b *builder) deep(s *Struct, seen map[string]bool) bool {
	if seen[s.Name] {
		return false
	}
	seen[s.Name] = true
	for _, f := range s.Fields {
		if b.deepType(f.Type, seen) {
			return true
		}
	}
	return false
}

// holdsValues reports whether s holds a field tagged vsr:"value", directly
// or in a struct it holds.
func (b *builder) holdsValues(s *Struct, seen map[string]bool) bool {
	if seen[s.Name] {
		return false
	}
	seen[s.Name] = true
	for _, f := range s.Fields {
		t := f.Type
		for t.Kind == load.Slice || t.Kind == load.Array {
			t = t.Elem
		}
		if f.Value {
			return true
		}
		if t.Kind == load.Struct && b.structs[t.Named] != nil && b.holdsValues(b.structs[t.Named], seen) {
			return true
		}
	}
	return false
}

func (b *builder) deepType(t *load.Type, seen map[string]bool) bool {
	switch t.Kind {
	case load.Bytes, load.Slice:
		return true
	case load.Array:
		return b.deepType(t.Elem, seen)
	case load.Struct:
		if s := b.structs[t.Named]; s != nil {
			return b.deep(s, seen)
		}
	}
	return false
}

// rules checks every rule's signature and trigger and groups the rules by
// event, keeping source order within each.
func (b *builder) rules() {
	events := map[string]*Event{}
	event := func(trigger lang.TriggerKind, name string) *Event {
		e := events[name]
		if e == nil {
			e = &Event{Trigger: trigger, Name: name}
			events[name] = e
		}
		return e
	}
	for _, d := range b.spec.Decls {
		if d.Marker != "rule" {
			continue
		}
		r := b.rule(d)
		if r == nil {
			continue
		}
		r.ID = len(b.p.Rules) + 1
		b.p.Rules = append(b.p.Rules, r)
		if r.Trigger == lang.OnQuorum {
			trigger := lang.OnMessage
			if b.structs[r.Event].Role == Request {
				trigger = lang.OnRequest
			}
			e := event(trigger, r.Event)
			e.Quorum = append(e.Quorum, r)
			continue
		}
		e := event(r.Trigger, r.Event)
		e.Rules = append(e.Rules, r)
	}
	// Events in a fixed order: messages by kind, timeouts, crash, restart.
	var names []string
	for _, m := range b.p.Messages {
		names = append(names, m.Name)
	}
	for _, t := range b.p.Timeouts {
		names = append(names, t.Name)
	}
	names = append(names, "Crash", "Restart")
	for _, name := range names {
		e := events[name]
		if e == nil {
			continue
		}
		if len(e.Rules) == 0 {
			r := e.Quorum[0]
			b.errorf(r.Pos, "rule %s: no rule consumes %s, so QuorumOf[%s] never fires", r.Name, name, name)
			continue
		}
		b.p.Events = append(b.p.Events, e)
	}
}

func (b *builder) rule(d *load.Decl) *Rule {
	r := &Rule{Name: d.Name, Pos: d.Pos, Section: d.Args}
	if !d.Struct {
		b.errorf(d.Pos, "rule %s: a rule is a struct type, usually empty, not %s", d.Name, d.Type.Desc)
		return nil
	}
	if r.Section == "" {
		b.errorf(d.Pos, "rule %s: //vsr:rule names no paper section; write the section the rule implements, as in //vsr:rule 4.1", d.Name)
	}
	state := b.p.State.Name
	if d.Guard == nil || d.Apply == nil {
		missing := "Guard"
		if d.Guard != nil {
			missing = "Apply"
		}
		b.errorf(d.Pos, "rule %s: no %s method; a rule has Guard(*%s, T) bool and Apply(*%s, T, *Effects)", d.Name, missing, state, state)
		return nil
	}
	g, a := d.Guard, d.Apply
	if len(g.Params) != 2 || !b.isState(g.Params[0]) || len(g.Results) != 1 || g.Results[0].Desc != "bool" {
		b.errorf(g.Pos, "rule %s: Guard must be func(*%s, T) bool, not %s", d.Name, state, funcDesc(g))
		return nil
	}
	if len(a.Params) != 3 || !b.isState(a.Params[0]) || len(a.Results) != 0 || !b.isEffects(a.Params[2]) {
		b.errorf(a.Pos, "rule %s: Apply must be func(*%s, %s, *lang.Effects[R, C]), not %s", d.Name, state, g.Params[1].Desc, funcDesc(a))
		return nil
	}
	if a.Params[1].Desc != g.Params[1].Desc {
		b.errorf(a.Pos, "rule %s: Apply takes %s but Guard takes %s", d.Name, a.Params[1].Desc, g.Params[1].Desc)
		return nil
	}
	for _, w := range d.Writes {
		b.errorf(w.Pos, "rule %s: Guard writes %s; a guard only reads", d.Name, w.Expr)
	}
	if !b.trigger(r, g.Params[1]) {
		return nil
	}
	return r
}

func (b *builder) isState(ref *load.Ref) bool {
	return ref.Pointer && ref.Pkg == b.spec.PkgPath && ref.Name == b.p.State.Name && len(ref.Args) == 0
}

// isEffects checks *lang.Effects[R, C] and records R and C, which every
// rule must share.
func (b *builder) isEffects(ref *load.Ref) bool {
	if !ref.Pointer || ref.Pkg != load.LangPath || ref.Name != "Effects" || len(ref.Args) != 2 {
		return false
	}
	for _, arg := range ref.Args {
		if arg.Pkg != b.spec.PkgPath {
			return false
		}
	}
	if b.p.ReplicaType == "" {
		b.p.ReplicaType, b.p.ClientType = ref.Args[0].Name, ref.Args[1].Name
	}
	return ref.Args[0].Name == b.p.ReplicaType && ref.Args[1].Name == b.p.ClientType
}

// trigger classifies the rule's event from the type of its second
// parameter.
func (b *builder) trigger(r *Rule, ref *load.Ref) bool {
	if ref.Pkg == load.LangPath && !ref.Pointer && !ref.Slice {
		switch ref.Name {
		case "Crash":
			r.Trigger, r.Event = lang.OnCrash, "Crash"
			return true
		case "Restart":
			r.Trigger, r.Event = lang.OnRestart, "Restart"
			return true
		case "QuorumOf":
			m := ref.Args[0]
			if s := b.structs[m.Name]; m.Pkg == b.spec.PkgPath && !m.Pointer && s != nil && (s.Role == Message || s.Role == Request) {
				r.Trigger, r.Event = lang.OnQuorum, m.Name
				return true
			}
			b.errorf(r.Pos, "rule %s: QuorumOf[%s]: %s is not a message of the spec", r.Name, m.Desc, m.Desc)
			return false
		}
	}
	if ref.Pointer && ref.Pkg == b.spec.PkgPath {
		if s := b.structs[ref.Name]; s != nil {
			switch s.Role {
			case Message:
				r.Trigger, r.Event = lang.OnMessage, s.Name
				return true
			case Request:
				r.Trigger, r.Event = lang.OnRequest, s.Name
				return true
			case Reply:
				b.errorf(r.Pos, "rule %s: %s is a reply, which goes to clients: no replica receives it", r.Name, s.Name)
				return false
			}
		}
		for _, t := range b.p.Timeouts {
			if t.Name == ref.Name {
				r.Trigger, r.Event = lang.OnTimeout, t.Name
				return true
			}
		}
	}
	if !ref.Pointer && !ref.Slice && ref.Pkg == b.spec.PkgPath && b.isEvent(ref.Name) {
		b.errorf(r.Pos, "rule %s: trigger %s is taken by value; Guard and Apply take *%s", r.Name, ref.Desc, ref.Desc)
		return false
	}
	b.errorf(r.Pos, "rule %s: trigger %s is not a message, request or timeout of the spec, QuorumOf[M], lang.Crash or lang.Restart", r.Name, ref.Desc)
	return false
}

// isEvent reports whether name is a message, request or timeout of the
// spec.
func (b *builder) isEvent(name string) bool {
	if s := b.structs[name]; s != nil && (s.Role == Message || s.Role == Request) {
		return true
	}
	for _, t := range b.p.Timeouts {
		if t.Name == name {
			return true
		}
	}
	return false
}

func funcDesc(f *load.Func) string {
	var params, results []string
	for _, p := range f.Params {
		params = append(params, p.Desc)
	}
	for _, r := range f.Results {
		results = append(results, r.Desc)
	}
	s := "func(" + strings.Join(params, ", ") + ")"
	switch len(results) {
	case 0:
	case 1:
		s += " " + results[0]
	default:
		s += " (" + strings.Join(results, ", ") + ")"
	}
	return s
}

func (b *builder) invariants() {
	state := b.p.State.Name
	for _, inv := range b.spec.Funcs {
		f := inv.Func
		if inv.Marker == "client" {
			b.clientFunc(inv)
			continue
		}
		if inv.Marker == "reconfigure" {
			b.reconfigureFunc(inv)
			continue
		}
		if inv.Marker == "action" {
			ok := len(f.Params) == 2 && b.isState(f.Params[0]) && b.isState(f.Params[1]) &&
				len(f.Results) == 1 && f.Results[0].Desc == "error"
			if !ok {
				b.errorf(inv.Pos, "action %s: must be func(before, after *%s) error, not %s", inv.Name, state, funcDesc(f))
				continue
			}
			b.p.Actions = append(b.p.Actions, &Predicate{Name: inv.Name, Pos: inv.Pos})
			continue
		}
		ok := len(f.Params) >= 1 && len(f.Params) <= 2 && b.isStates(f.Params[0]) &&
			len(f.Results) == 1 && f.Results[0].Desc == "error"
		if ok && len(f.Params) == 2 {
			ok = b.isReplies(f.Params[1])
		}
		if !ok {
			b.errorf(inv.Pos, "invariant %s: must be func([]%s) error or func([]%s, []R) error with R a reply, not %s", inv.Name, state, state, funcDesc(f))
			continue
		}
		b.p.Invariants = append(b.p.Invariants, &Predicate{Name: inv.Name, Pos: inv.Pos, Replies: len(f.Params) == 2})
	}
}

// clientFunc checks func(C, N, []byte) R with C the client type, N an
// integer type and R a request.
func (b *builder) clientFunc(inv *load.MarkedFunc) {
	f := inv.Func
	ok := len(f.Params) == 3 && len(f.Results) == 1 &&
		f.Params[0].Pkg == b.spec.PkgPath && f.Params[0].Name == b.p.ClientType && !f.Params[0].Pointer &&
		!f.Params[1].Pointer && !f.Params[1].Slice && f.Params[1].Name != "" &&
		f.Params[2].Slice && f.Params[2].Pkg == "" && (f.Params[2].Name == "byte" || f.Params[2].Name == "uint8")
	var req *Struct
	if ok {
		req = b.structs[f.Results[0].Name]
		ok = f.Results[0].Pkg == b.spec.PkgPath && !f.Results[0].Pointer && req != nil && req.Role == Request
	}
	if !ok {
		b.errorf(inv.Pos, "client %s: must be func(%s, N, []byte) R with N an integer type and R a request, not %s", inv.Name, b.p.ClientType, funcDesc(f))
		return
	}
	if b.p.Client != nil {
		b.errorf(inv.Pos, "client %s: second //vsr:client, after %s at %s", inv.Name, b.p.Client.Name, b.p.Client.Pos)
		return
	}
	b.p.Client = &ClientFunc{
		Name: inv.Name, Pos: inv.Pos, Request: req.Name,
		Number: f.Params[1].Name, NumberInSpec: f.Params[1].Pkg == b.spec.PkgPath,
	}
}

// reconfigureFunc checks func(C, N, E, S) R with C the client type, N, E
// and S integer types and R a request.
func (b *builder) reconfigureFunc(inv *load.MarkedFunc) {
	f := inv.Func
	ok := len(f.Params) == 4 && len(f.Results) == 1 &&
		f.Params[0].Pkg == b.spec.PkgPath && f.Params[0].Name == b.p.ClientType && !f.Params[0].Pointer
	for i := 1; ok && i < 4; i++ {
		ok = !f.Params[i].Pointer && !f.Params[i].Slice && f.Params[i].Name != ""
	}
	var req *Struct
	if ok {
		req = b.structs[f.Results[0].Name]
		ok = f.Results[0].Pkg == b.spec.PkgPath && !f.Results[0].Pointer && req != nil && req.Role == Request
	}
	if !ok {
		b.errorf(inv.Pos, "reconfigure %s: must be func(%s, N, E, S) R with N, E and S integer types and R a request, not %s", inv.Name, b.p.ClientType, funcDesc(f))
		return
	}
	if b.p.Reconfigure != nil {
		b.errorf(inv.Pos, "reconfigure %s: second //vsr:reconfigure, after %s at %s", inv.Name, b.p.Reconfigure.Name, b.p.Reconfigure.Pos)
		return
	}
	rf := &ReconfigureFunc{Name: inv.Name, Pos: inv.Pos, Request: req.Name}
	for i := range 3 {
		rf.Params[i], rf.InSpec[i] = f.Params[i+1].Name, f.Params[i+1].Pkg == b.spec.PkgPath
	}
	b.p.Reconfigure = rf
}

func (b *builder) isStates(ref *load.Ref) bool {
	return ref.Slice && ref.Pkg == b.spec.PkgPath && ref.Name == b.p.State.Name
}

// isReplies checks []R for a reply type R, which every invariant that takes
// replies must share.
func (b *builder) isReplies(ref *load.Ref) bool {
	if !ref.Slice || ref.Pkg != b.spec.PkgPath {
		return false
	}
	if s := b.structs[ref.Name]; s == nil || s.Role != Reply {
		return false
	}
	if b.p.ReplyType == "" {
		b.p.ReplyType = ref.Name
	}
	return ref.Name == b.p.ReplyType
}

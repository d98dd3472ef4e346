package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
	"github.com/viewstamped/vsr/lang"
)

const modelPath = "github.com/viewstamped/vsr/modelcheck/model"

// The model checker's half is a package of its own, checker, beside the
// part an application embeds: it adapts the generated dispatch functions
// and codecs to model.Protocol, so that the engine handles messages as
// encoded bytes and evaluates, for each message, only the rules of its
// kind. It reaches the application's half only through exported names.

// app refers to a declaration of the application's half of the generated
// code; within that package jennifer leaves it unqualified.
func (g *gen) app(name string) *jen.Statement { return jen.Qual(g.pkgPath, name) }

// asApp converts a pointer to a spec value of struct type name to the
// generated type that carries its methods: (*generated.Name)(v).
func (g *gen) asApp(name string, v jen.Code) *jen.Statement {
	return jen.Parens(jen.Op("*").Add(g.app(name))).Call(v)
}

// genCheckerFile emits Protocol and what it needs.
func (g *gen) genCheckerFile(f *jen.File) {
	f.ImportName(modelPath, "model")
	f.Comment("Protocol is the protocol half of the model checker for this spec: the")
	f.Comment("engine in package modelcheck explores it.")
	f.Type().Id("Protocol").Struct()
	f.Line()
	f.Var().Id("_").Qual(modelPath, "Protocol").Types(g.stateType()).Op("=").Id("Protocol").Values()
	f.Line()
	g.genCheckerReplica(f)
	g.genCheckerConvert(f)
	g.genCheckerDeliver(f)
	g.genCheckerTimeout(f)
	g.genCheckerLocal(f, lang.OnCrash, "Crash", nil)
	g.genCheckerLocal(f, lang.OnRestart, "Restart", jen.Id("nonce").Uint64())
	g.genCheckerRequest(f)
	g.genCheckerReconfigure(f)
	g.genCheckerReplyOf(f)
	g.genCheckerChecks(f)
	g.genCheckerValues(f)
	g.genCheckerApplyRule(f)
	g.genEventValue(f)
	for _, s := range g.p.Structs {
		if s.Values {
			g.genRenameValues(f, s)
		}
	}
}

// genCheckerGuardsFile emits a function that only builds while the
// application's half has the rules, events and messages this half was
// generated with, as stringer's output guards its constants.
func (g *gen) genCheckerGuardsFile(f *jen.File) {
	f.Commentf("A build error in this file means that the package %s changed after this", g.pkgName)
	f.Comment("one was generated: run go generate ./... to bring both up to date.")
	f.Func().Id("_").Params().BlockFunc(func(b *jen.Group) {
		b.Var().Id("staleRunGoGenerate").Index(jen.Lit(1)).Struct()
		index := func(name string, v int) {
			b.Id("_").Op("=").Id("staleRunGoGenerate").Index(g.app(name).Op("-").Lit(v))
		}
		index("NumRules", len(g.p.Rules))
		for _, r := range g.p.Rules {
			index(ruleID(r), r.ID)
		}
		for _, m := range g.p.Messages {
			index("Kind"+m.Name, m.Kind)
		}
	})
	f.Line()
}

func (g *gen) checkerRecv() *jen.Statement { return jen.Parens(jen.Id("Protocol")) }

// cloneState is a deep copy of the state that r points to.
func (g *gen) cloneState(r jen.Code) *jen.Statement {
	return g.asApp(g.p.State.Name, r).Dot("Clone").Call()
}

func (g *gen) checkerOut() *jen.Statement {
	return jen.Id("out").Op("*").Qual(routePath, "Out")
}

func (g *gen) fired() *jen.Statement { return jen.Qual(modelPath, "Fired") }

// effectsVar declares eff, the spec's effects of one step.
func (g *gen) effectsVar() *jen.Statement {
	return jen.Var().Id("eff").Qual(langPath, "Effects").Types(g.spec(g.p.ReplicaType), g.spec(g.p.ClientType))
}

func (g *gen) eventOf(trigger lang.TriggerKind, name string) *ir.Event {
	for _, e := range g.p.Events {
		if e.Trigger == trigger && (name == "" || e.Name == name) {
			return e
		}
	}
	return nil
}

func (g *gen) genCheckerReplica(f *jen.File) {
	state := g.stateType
	f.Func().Params(g.checkerRecv()).Id("Rules").Params().Index().Qual(langPath, "RuleInfo").Block(
		jen.Return(g.app("Rules").Index(jen.Op(":"))))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("Timeouts").Params().Index().String().Block(
		jen.Return(jen.Index().String().ValuesFunc(func(v *jen.Group) {
			for _, e := range g.p.Events {
				if e.Trigger == lang.OnTimeout {
					v.Lit(e.Name)
				}
			}
		})))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("CloneReplica").Params(jen.Id("r").Op("*").Add(state())).Add(state()).Block(
		jen.Return(g.cloneState(jen.Id("r"))))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("AppendReplica").Params(jen.Id("b").Index().Byte(), jen.Id("r").Op("*").Add(state())).Index().Byte().Block(
		jen.Return(g.asApp(g.p.State.Name, jen.Id("r")).Dot("AppendCanonical").Call(jen.Id("b"))))
	f.Line()
	f.Comment("DecodeReplica decodes a replica's state, sharing b's memory: the checker's")
	f.Comment("states are immutable encodings.")
	f.Func().Params(g.checkerRecv()).Id("DecodeReplica").Params(jen.Id("b").Index().Byte()).Params(state(), jen.Index().Byte(), jen.Error()).Block(
		jen.Id("d").Op(":=").Qual(wirePath, "NewAliasDecoder").Call(jen.Id("b")),
		jen.Var().Id("r").Add(state()),
		g.asApp(g.p.State.Name, jen.Op("&").Id("r")).Dot("Decode").Call(jen.Op("&").Id("d")),
		jen.Return(jen.Id("r"), jen.Id("d").Dot("Tail").Call(), jen.Id("d").Dot("Err").Call()),
	)
	f.Line()
}

func (g *gen) genCheckerConvert(f *jen.File) {
	f.Comment("convert encodes the effects of a step into out and returns the rules that")
	f.Comment("fired.")
	f.Func().Id("convert").Params(jen.Id("eff").Add(g.effectsType()), g.checkerOut(), jen.Id("f").Add(g.app("Fired"))).Add(g.fired()).Block(
		jen.If(jen.Err().Op(":=").Add(g.app("EncodeEffects")).Call(jen.Id("out"), jen.Id("eff")), jen.Err().Op("!=").Nil()).Block(
			jen.Panic(jen.Qual("fmt", "Sprintf").Call(jen.Lit("checker: a rule emitted what is not a message of the spec: %v"), jen.Err()))),
		jen.Return(g.fired().Values(
			jen.Id("Rule").Op(":").Uint8().Call(jen.Id("f").Dot("Rule")),
			jen.Id("Quorum").Op(":").Uint8().Call(jen.Id("f").Dot("Quorum")),
		)),
	)
	f.Line()
}

// genCheckerDeliver emits Deliver: decode the kind, then the body into the
// message type, then the dispatch function of that kind only.
func (g *gen) genCheckerDeliver(f *jen.File) {
	f.Comment("Deliver decodes msg, sharing its memory, and applies it.")
	f.Func().Params(g.checkerRecv()).Id("Deliver").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("msg").Index().Byte(), g.checkerOut()).Params(g.stateType(), g.fired(), jen.Error()).Block(
		jen.Id("d").Op(":=").Qual(wirePath, "NewAliasDecoder").Call(jen.Id("msg")),
		jen.Id("d").Dot("Version").Call(),
		jen.Id("k").Op(":=").Add(g.app("Kind")).Call(jen.Id("d").Dot("Uint").Call(jen.Lit(8))),
		g.effectsVar(),
		jen.Var().Id("f").Add(g.app("Fired")),
		jen.Var().Id("next").Add(g.stateType()),
		jen.Switch(jen.Id("k")).BlockFunc(func(s *jen.Group) {
			for _, m := range g.p.Messages {
				e := g.eventOf(lang.OnMessage, m.Name)
				if e == nil {
					e = g.eventOf(lang.OnRequest, m.Name)
				}
				if e == nil {
					continue
				}
				s.Case(g.app("Kind"+m.Name)).Block(
					jen.Var().Id("m").Add(g.spec(m.Name)),
					g.asApp(m.Name, jen.Op("&").Id("m")).Dot("Decode").Call(jen.Op("&").Id("d")),
					jen.Id("d").Dot("End").Call(),
					jen.If(jen.Err().Op(":=").Id("d").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
						jen.Return(jen.Id("next"), g.fired().Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("deliver "+m.Name+": %w"), jen.Err()))),
					jen.If(jen.Op("!").Add(g.app(enabledFunc(e))).Call(jen.Id("r"), jen.Op("&").Id("m"))).Block(
						jen.Return(jen.Id("next"), g.fired().Values(), jen.Nil())),
					jen.Id("next").Op("=").Add(g.cloneState(jen.Id("r"))),
					jen.Id("f").Op("=").Add(g.app(eventFunc(e))).Call(jen.Op("&").Id("next"), jen.Op("&").Id("m"), jen.Op("&").Id("eff")),
				)
			}
			s.Default().Block(jen.Return(jen.Id("next"), g.fired().Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("deliver: no rule answers message kind %v"), jen.Id("k"))))
		}),
		jen.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")), jen.Nil()),
	)
	f.Line()
}

func (g *gen) genCheckerTimeout(f *jen.File) {
	f.Func().Params(g.checkerRecv()).Id("Timeout").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("t").Int(), g.checkerOut()).Params(g.stateType(), g.fired()).Block(
		g.effectsVar(),
		jen.Var().Id("f").Add(g.app("Fired")),
		jen.Var().Id("next").Add(g.stateType()),
		jen.Switch(jen.Id("t")).BlockFunc(func(s *jen.Group) {
			i := 0
			for _, e := range g.p.Events {
				if e.Trigger != lang.OnTimeout {
					continue
				}
				s.Case(jen.Lit(i)).Block(
					jen.Id("ev").Op(":=").Op("&").Add(g.spec(e.Name)).Values(),
					jen.If(jen.Op("!").Add(g.app(enabledFunc(e))).Call(jen.Id("r"), jen.Id("ev"))).Block(
						jen.Return(jen.Id("next"), g.fired().Values())),
					jen.Id("next").Op("=").Add(g.cloneState(jen.Id("r"))),
					jen.Id("f").Op("=").Add(g.app(eventFunc(e))).Call(jen.Op("&").Id("next"), jen.Id("ev"), jen.Op("&").Id("eff")))
				i++
			}
		}),
		jen.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f"))),
	)
	f.Line()
}

// genCheckerLocal emits Crash or Restart.
func (g *gen) genCheckerLocal(f *jen.File, trigger lang.TriggerKind, name string, param jen.Code) {
	params := []jen.Code{jen.Id("r").Op("*").Add(g.stateType())}
	if param != nil {
		params = append(params, param)
	}
	params = append(params, g.checkerOut())
	e := g.eventOf(trigger, "")
	f.Func().Params(g.checkerRecv()).Id(name).Params(params...).Params(g.stateType(), g.fired()).BlockFunc(func(b *jen.Group) {
		b.Var().Id("next").Add(g.stateType())
		if e == nil {
			b.Return(jen.Id("next"), g.fired().Values())
			return
		}
		ev := jen.Qual(langPath, name).Values()
		if trigger == lang.OnRestart {
			ev = jen.Qual(langPath, name).Values(jen.Id("Nonce").Op(":").Id("nonce"))
		}
		b.Id("ev").Op(":=").Add(ev)
		b.If(jen.Op("!").Add(g.app(enabledFunc(e))).Call(jen.Id("r"), jen.Id("ev"))).Block(jen.Return(jen.Id("next"), g.fired().Values()))
		b.Add(g.effectsVar())
		b.Id("next").Op("=").Add(g.cloneState(jen.Id("r")))
		b.Id("f").Op(":=").Add(g.app(eventFunc(e))).Call(jen.Op("&").Id("next"), jen.Id("ev"), jen.Op("&").Id("eff"))
		b.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")))
	})
	f.Line()
}

func (g *gen) genCheckerRequest(f *jen.File) {
	c := g.p.Client
	f.Func().Params(g.checkerRecv()).Id("HasClients").Params().Bool().Block(jen.Return(jen.Lit(c != nil)))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("Request").Params(
		jen.Id("r").Op("*").Add(g.stateType()), jen.List(jen.Id("c"), jen.Id("n")).Uint64(), jen.Id("v").Index().Byte(), g.checkerOut(),
	).Params(g.stateType(), g.fired()).BlockFunc(func(b *jen.Group) {
		var e *ir.Event
		if c != nil {
			e = g.eventOf(lang.OnRequest, c.Request)
		}
		b.Var().Id("next").Add(g.stateType())
		if e == nil {
			b.Return(jen.Id("next"), g.fired().Values())
			return
		}
		b.Id("m").Op(":=").Add(g.clientRequest(jen.Id("c"), jen.Id("n"), jen.Id("v")))
		b.If(jen.Op("!").Add(g.app(enabledFunc(e))).Call(jen.Id("r"), jen.Op("&").Id("m"))).Block(jen.Return(jen.Id("next"), g.fired().Values()))
		b.Add(g.effectsVar())
		b.Id("next").Op("=").Add(g.cloneState(jen.Id("r")))
		b.Id("f").Op(":=").Add(g.app(eventFunc(e))).Call(jen.Op("&").Id("next"), jen.Op("&").Id("m"), jen.Op("&").Id("eff"))
		b.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")))
	})
	f.Line()
}

func (g *gen) genCheckerReconfigure(f *jen.File) {
	rf := g.p.Reconfigure
	f.Func().Params(g.checkerRecv()).Id("HasReconfigure").Params().Bool().Block(jen.Return(jen.Lit(rf != nil)))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("Reconfigure").Params(
		jen.Id("r").Op("*").Add(g.stateType()), jen.List(jen.Id("c"), jen.Id("n"), jen.Id("e"), jen.Id("s")).Uint64(), g.checkerOut(),
	).Params(g.stateType(), g.fired()).BlockFunc(func(b *jen.Group) {
		var e *ir.Event
		if rf != nil {
			e = g.eventOf(lang.OnRequest, rf.Request)
		}
		b.Var().Id("next").Add(g.stateType())
		if e == nil {
			b.Return(jen.Id("next"), g.fired().Values())
			return
		}
		b.Id("m").Op(":=").Add(g.reconfigureRequest(jen.Id("c"), jen.Id("n"), jen.Id("e"), jen.Id("s")))
		b.If(jen.Op("!").Add(g.app(enabledFunc(e))).Call(jen.Id("r"), jen.Op("&").Id("m"))).Block(jen.Return(jen.Id("next"), g.fired().Values()))
		b.Add(g.effectsVar())
		b.Id("next").Op("=").Add(g.cloneState(jen.Id("r")))
		b.Id("f").Op(":=").Add(g.app(eventFunc(e))).Call(jen.Op("&").Id("next"), jen.Op("&").Id("m"), jen.Op("&").Id("eff"))
		b.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")))
	})
	f.Line()
}

// reconfigureRequest calls the spec's reconfigure function with client c,
// number n, epoch e and group s.
func (g *gen) reconfigureRequest(c, n, e, s jen.Code) *jen.Statement {
	rf := g.p.Reconfigure
	args := []jen.Code{g.spec(g.p.ClientType).Call(c)}
	for i, v := range []jen.Code{n, e, s} {
		t := jen.Id(rf.Params[i])
		if rf.InSpec[i] {
			t = g.spec(rf.Params[i])
		}
		args = append(args, t.Call(v))
	}
	return g.spec(rf.Name).Call(args...)
}

// clientRequest calls the spec's client function with client c, number n
// and value v.
func (g *gen) clientRequest(c, n, v jen.Code) *jen.Statement {
	cf := g.p.Client
	number := jen.Id(cf.Number)
	if cf.NumberInSpec {
		number = g.spec(cf.Number)
	}
	return g.spec(cf.Name).Call(g.spec(g.p.ClientType).Call(c), number.Call(n), v)
}

// genCheckerReplyOf emits ReplyOf: for each reply type, its first field of
// the client type and its first field of the request number type.
func (g *gen) genCheckerReplyOf(f *jen.File) {
	var cases []jen.Code
	for _, m := range g.p.Messages {
		if m.Role != ir.Reply || g.p.Client == nil || !g.p.Client.NumberInSpec {
			continue
		}
		client, request := "", ""
		for _, fd := range m.Fields {
			if client == "" && fd.Type.Named == g.p.ClientType {
				client = fd.Name
			}
			if request == "" && fd.Type.Named == g.p.Client.Number {
				request = fd.Name
			}
		}
		if client != "" && request != "" {
			cases = append(cases, jen.Case(g.spec(m.Name)).Block(jen.Return(
				jen.Uint64().Call(jen.Id("m").Dot(client)), jen.Uint64().Call(jen.Id("m").Dot(request)), jen.Nil())))
		}
	}
	f.Func().Params(g.checkerRecv()).Id("ReplyOf").Params(jen.Id("msg").Index().Byte()).Params(jen.List(jen.Id("client"), jen.Id("request")).Uint64(), jen.Err().Error()).BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("m"), jen.Err()).Op(":=").Add(g.app("UnmarshalMessage")).Call(jen.Id("msg"))
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(0), jen.Lit(0), jen.Err()))
		if len(cases) > 0 {
			b.Switch(jen.Id("m").Op(":=").Id("m").Assert(jen.Type())).Block(cases...)
		}
		b.Return(jen.Lit(0), jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("%T is not a reply with a client and a request number"), jen.Id("m")))
	})
	f.Line()
}

func (g *gen) genCheckerChecks(f *jen.File) {
	state := g.stateType
	f.Func().Params(g.checkerRecv()).Id("CheckInvariants").Params(jen.Id("rs").Index().Add(state()), jen.Id("replies").Index().Index().Byte()).Error().BlockFunc(func(b *jen.Group) {
		if g.p.ReplyType == "" {
			b.Return(g.app("CheckInvariants").Call(jen.Id("rs")))
			return
		}
		b.Var().Id("decoded").Index().Add(g.spec(g.p.ReplyType))
		b.For(jen.Id("_").Op(",").Id("msg").Op(":=").Range().Id("replies")).Block(
			jen.List(jen.Id("m"), jen.Err()).Op(":=").Add(g.app("UnmarshalMessage")).Call(jen.Id("msg")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.List(jen.Id("reply"), jen.Id("ok")).Op(":=").Id("m").Assert(g.spec(g.p.ReplyType)), jen.Id("ok")).Block(
				jen.Id("decoded").Op("=").Append(jen.Id("decoded"), jen.Id("reply"))),
		)
		b.Return(g.app("CheckInvariants").Call(jen.Id("rs"), jen.Id("decoded")))
	})
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("CheckActions").Params(jen.List(jen.Id("before"), jen.Id("after")).Op("*").Add(state())).Error().Block(
		jen.Return(g.app("CheckActions").Call(jen.Id("before"), jen.Id("after"))))
	f.Line()
	f.Func().Params(g.checkerRecv()).Id("DecodeMessage").Params(jen.Id("msg").Index().Byte()).Params(jen.Any(), jen.Error()).Block(
		jen.Return(g.app("UnmarshalMessage").Call(jen.Id("msg"))))
	f.Line()
}

// renameFunc is the name of the function that renames the values a
// struct holds.
func renameFunc(s string) string { return "rename" + s }

func (g *gen) genCheckerValues(f *jen.File) {
	fn := func() *jen.Statement { return jen.Func().Params(jen.Index().Byte()).Index().Byte() }
	f.Func().Params(g.checkerRecv()).Id("RenameValues").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("f").Add(fn())).BlockFunc(func(b *jen.Group) {
		if g.p.State.Values {
			b.Id(renameFunc(g.p.State.Name)).Call(jen.Id("r"), jen.Id("f"))
		}
	})
	f.Line()
	var cases []jen.Code
	for _, m := range g.p.Messages {
		if m.Values {
			cases = append(cases, jen.Case(g.spec(m.Name)).Block(
				jen.Id(renameFunc(m.Name)).Call(jen.Op("&").Id("m"), jen.Id("f")),
				jen.Return(g.app("AppendMessage").Call(jen.Nil(), jen.Id("m"))),
			))
		}
	}
	f.Func().Params(g.checkerRecv()).Id("RenameMessageValues").Params(jen.Id("msg").Index().Byte(), jen.Id("f").Add(fn())).Params(jen.Index().Byte(), jen.Error()).BlockFunc(func(b *jen.Group) {
		if len(cases) == 0 {
			b.Return(jen.Id("msg"), jen.Nil())
			return
		}
		b.List(jen.Id("m"), jen.Err()).Op(":=").Add(g.app("UnmarshalMessage")).Call(jen.Id("msg"))
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		b.Switch(jen.Id("m").Op(":=").Id("m").Assert(jen.Type())).Block(cases...)
		b.Return(jen.Id("msg"), jen.Nil())
	})
	f.Line()
}

// genRenameValues emits rename<Struct>, which replaces every value v that
// s holds by f(v), in place.
func (g *gen) genRenameValues(f *jen.File, s *ir.Struct) {
	f.Func().Id(renameFunc(s.Name)).Params(jen.Id("m").Op("*").Add(g.spec(s.Name)), jen.Id("f").Func().Params(jen.Index().Byte()).Index().Byte()).BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.renameValues(b, fd.Type, fd.Value, jen.Id("m").Dot(fd.Name), 0)
		}
	})
	f.Line()
}

func (g *gen) renameValues(b *jen.Group, t *load.Type, value bool, v *jen.Statement, depth int) {
	switch t.Kind {
	case load.Bytes:
		if value {
			b.Add(v.Clone()).Op("=").Id("f").Call(v.Clone())
		}
	case load.String:
		if value {
			b.Add(v.Clone()).Op("=").Add(g.typeCode(t)).Call(jen.Id("f").Call(jen.Index().Byte().Call(v.Clone())))
		}
	case load.Struct:
		if s := g.structNamed(t.Named); s != nil && s.Values {
			b.Id(renameFunc(t.Named)).Call(jen.Op("&").Add(v.Clone()), jen.Id("f"))
		}
	case load.Slice, load.Array:
		if !value && !g.elemHoldsValues(t.Elem) {
			return
		}
		i := loopVar(depth)
		b.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
			g.renameValues(b, t.Elem, value, v.Clone().Index(jen.Id(i)), depth+1)
		})
	}
}

func (g *gen) elemHoldsValues(t *load.Type) bool {
	for t.Kind == load.Slice || t.Kind == load.Array {
		t = t.Elem
	}
	s := g.structNamed(t.Named)
	return t.Kind == load.Struct && s != nil && s.Values
}

func (g *gen) structNamed(name string) *ir.Struct {
	for _, s := range g.p.Structs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// genCheckerApplyRule emits Protocol.ApplyRule: build the spec's event,
// then ApplyRule on a copy of the state.
func (g *gen) genCheckerApplyRule(f *jen.File) {
	f.Comment("ApplyRule applies one rule alone to a copy of r, for traces that show the")
	f.Comment("rules of a step one at a time.")
	f.Func().Params(g.checkerRecv()).Id("ApplyRule").Params(
		jen.Id("r").Op("*").Add(g.stateType()), jen.Id("rule").Uint8(), jen.Id("ev").Qual(modelPath, "Event"), g.checkerOut(),
	).Params(g.stateType(), jen.Bool(), jen.Error()).Block(
		jen.Var().Id("next").Add(g.stateType()),
		jen.List(jen.Id("e"), jen.Err()).Op(":=").Id("eventValue").Call(jen.Id("ev")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("next"), jen.False(), jen.Err())),
		g.effectsVar(),
		jen.Id("applied").Op(":=").Add(g.cloneState(jen.Id("r"))),
		jen.List(jen.Id("ok"), jen.Err()).Op(":=").Add(g.app("ApplyRule")).Call(jen.Op("&").Id("applied"), g.app("RuleID").Call(jen.Id("rule")), jen.Id("e"), jen.Op("&").Id("eff")),
		jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("ok")).Block(jen.Return(jen.Id("next"), jen.False(), jen.Err())),
		jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), g.app("Fired").Values()),
		jen.Return(jen.Id("applied"), jen.True(), jen.Nil()),
	)
	f.Line()
}

// genEventValue emits eventValue, which builds the spec's value of an event
// of the model checker: a decoded message, a timeout, a client's request,
// lang.Crash or lang.Restart.
func (g *gen) genEventValue(f *jen.File) {
	f.Comment("eventValue returns the spec's value of a step's event.")
	f.Func().Id("eventValue").Params(jen.Id("ev").Qual(modelPath, "Event")).Params(jen.Any(), jen.Error()).Block(
		jen.Switch(jen.Id("ev").Dot("Kind")).BlockFunc(func(s *jen.Group) {
			s.Case(jen.Qual(modelPath, "EventMessage")).Block(jen.Return(g.app("UnmarshalMessage").Call(jen.Id("ev").Dot("Msg"))))
			var timeouts []jen.Code
			i := 0
			for _, e := range g.p.Events {
				if e.Trigger == lang.OnTimeout {
					timeouts = append(timeouts, jen.Case(jen.Lit(i)).Block(jen.Return(g.spec(e.Name).Values(), jen.Nil())))
					i++
				}
			}
			if len(timeouts) > 0 {
				s.Case(jen.Qual(modelPath, "EventTimeout")).Block(jen.Switch(jen.Id("ev").Dot("Timeout")).Block(timeouts...))
			}
			if g.p.Client != nil {
				s.Case(jen.Qual(modelPath, "EventRequest")).Block(jen.Return(
					g.clientRequest(jen.Id("ev").Dot("Client"), jen.Id("ev").Dot("Request"), jen.Id("ev").Dot("Value")),
					jen.Nil()))
			}
			if g.p.Reconfigure != nil {
				s.Case(jen.Qual(modelPath, "EventReconfigure")).Block(jen.Return(
					g.reconfigureRequest(jen.Id("ev").Dot("Client"), jen.Id("ev").Dot("Request"), jen.Id("ev").Dot("Epoch"), jen.Id("ev").Dot("Members")),
					jen.Nil()))
			}
			s.Case(jen.Qual(modelPath, "EventCrash")).Block(jen.Return(jen.Qual(langPath, "Crash").Values(), jen.Nil()))
			s.Case(jen.Qual(modelPath, "EventRestart")).Block(jen.Return(jen.Qual(langPath, "Restart").Values(jen.Id("Nonce").Op(":").Id("ev").Dot("Nonce")), jen.Nil()))
		}),
		jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("no event of kind %d, timeout %d in this spec"), jen.Id("ev").Dot("Kind"), jen.Id("ev").Dot("Timeout"))),
	)
	f.Line()
}

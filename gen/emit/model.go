package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
	"github.com/viewstamped/vsr/lang"
)

const modelcheckPath = "github.com/viewstamped/vsr/modelcheck/model"

// genModelFile emits Model, the protocol half of the model checker: it
// adapts the generated dispatch functions and codecs to
// modelcheck.Protocol, so that the engine handles messages as encoded
// bytes and evaluates, for each message, only the rules of its kind.
func (g *gen) genModelFile(f *jen.File) {
	f.ImportName(modelcheckPath, "model")
	f.Comment("Model is the protocol half of the model checker for this spec.")
	f.Type().Id("Model").Struct()
	f.Line()
	f.Var().Id("_").Qual(modelcheckPath, "Protocol").Types(g.stateType()).Op("=").Id("Model").Values()
	f.Line()
	g.genModelReplica(f)
	g.genModelConvert(f)
	g.genModelDeliver(f)
	g.genModelTimeout(f)
	g.genModelLocal(f, lang.OnCrash, "Crash", nil)
	g.genModelLocal(f, lang.OnRestart, "Restart", jen.Id("nonce").Uint64())
	g.genModelRequest(f)
	g.genModelReplyOf(f)
	g.genModelChecks(f)
	g.genModelValues(f)
	g.genModelApplyRule(f)
	g.genEventValue(f)
	for _, s := range g.p.Structs {
		if s.Values {
			g.genMapValues(f, s)
		}
	}
}

func (g *gen) modelRecv() *jen.Statement { return jen.Parens(jen.Id("Model")) }

// cloneState is a deep copy of the state that r points to.
func (g *gen) cloneState(r jen.Code) *jen.Statement {
	return jen.Parens(jen.Op("*").Id(g.p.State.Name)).Call(r).Dot("Clone").Call()
}

func (g *gen) modelOut() *jen.Statement {
	return jen.Id("out").Op("*").Qual(modelcheckPath, "Out")
}

func (g *gen) fired() *jen.Statement { return jen.Qual(modelcheckPath, "Fired") }

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

func (g *gen) genModelReplica(f *jen.File) {
	state := g.stateType
	mirror := func(v jen.Code) *jen.Statement { return jen.Parens(jen.Op("*").Id(g.p.State.Name)).Call(v) }
	f.Func().Params(g.modelRecv()).Id("Rules").Params().Index().Qual(langPath, "RuleInfo").Block(
		jen.Return(jen.Id("Rules").Index(jen.Op(":"))))
	f.Line()
	f.Func().Params(g.modelRecv()).Id("Timeouts").Params().Index().String().Block(
		jen.Return(jen.Index().String().ValuesFunc(func(v *jen.Group) {
			for _, e := range g.p.Events {
				if e.Trigger == lang.OnTimeout {
					v.Lit(e.Name)
				}
			}
		})))
	f.Line()
	f.Func().Params(g.modelRecv()).Id("CloneReplica").Params(jen.Id("r").Op("*").Add(state())).Add(state()).Block(
		jen.Return(mirror(jen.Id("r")).Dot("Clone").Call()))
	f.Line()
	f.Func().Params(g.modelRecv()).Id("AppendReplica").Params(jen.Id("b").Index().Byte(), jen.Id("r").Op("*").Add(state())).Index().Byte().Block(
		jen.Return(mirror(jen.Id("r")).Dot("appendBody").Call(jen.Id("b"))))
	f.Line()
	f.Comment("DecodeReplica decodes a replica's state, sharing b's memory: the checker's")
	f.Comment("states are immutable encodings.")
	f.Func().Params(g.modelRecv()).Id("DecodeReplica").Params(jen.Id("b").Index().Byte()).Params(state(), jen.Index().Byte(), jen.Error()).Block(
		jen.Id("d").Op(":=").Qual(wirePath, "NewAliasDecoder").Call(jen.Id("b")),
		jen.Var().Id("r").Add(state()),
		mirror(jen.Op("&").Id("r")).Dot("decode").Call(jen.Op("&").Id("d")),
		jen.Return(jen.Id("r"), jen.Id("d").Dot("Tail").Call(), jen.Id("d").Dot("Err").Call()),
	)
	f.Line()
}

func (g *gen) genModelConvert(f *jen.File) {
	f.Comment("convert copies the effects of a step into out, each message encoded, and")
	f.Comment("returns the rules that fired.")
	f.Func().Id("convert").Params(jen.Id("eff").Add(g.effectsType()), g.modelOut(), jen.Id("f").Id("Fired")).Add(g.fired()).Block(
		jen.For(jen.Id("_").Op(",").Id("e").Op(":=").Range().Id("eff").Dot("List")).Block(
			jen.List(jen.Id("msg"), jen.Err()).Op(":=").Id("AppendMessage").Call(jen.Nil(), jen.Id("e").Dot("Message")),
			jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Panic(jen.Qual("fmt", "Sprintf").Call(jen.Lit("generated: a rule emitted %T, which is not a message of the spec"), jen.Id("e").Dot("Message")))),
			jen.Id("out").Dot("Effects").Op("=").Append(jen.Id("out").Dot("Effects"), jen.Qual(modelcheckPath, "Effect").Values(
				jen.Id("Kind").Op(":").Id("e").Dot("Kind"),
				jen.Id("To").Op(":").Int().Call(jen.Id("e").Dot("To")),
				jen.Id("Client").Op(":").Uint64().Call(jen.Id("e").Dot("Client")),
				jen.Id("Msg").Op(":").Id("msg"),
			)),
		),
		jen.Return(g.fired().Values(
			jen.Id("Rule").Op(":").Uint8().Call(jen.Id("f").Dot("Rule")),
			jen.Id("Quorum").Op(":").Uint8().Call(jen.Id("f").Dot("Quorum")),
		)),
	)
	f.Line()
}

// genModelDeliver emits Deliver: decode the kind, then the body into the
// message type, then the dispatch function of that kind only.
func (g *gen) genModelDeliver(f *jen.File) {
	f.Comment("Deliver decodes msg, sharing its memory, and applies it.")
	f.Func().Params(g.modelRecv()).Id("Deliver").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("msg").Index().Byte(), g.modelOut()).Params(g.stateType(), g.fired(), jen.Error()).Block(
		jen.Id("d").Op(":=").Qual(wirePath, "NewAliasDecoder").Call(jen.Id("msg")),
		jen.Id("d").Dot("Version").Call(),
		jen.Id("k").Op(":=").Id("Kind").Call(jen.Id("d").Dot("Uint").Call(jen.Lit(8))),
		g.effectsVar(),
		jen.Var().Id("f").Id("Fired"),
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
				s.Case(jen.Id("Kind"+m.Name)).Block(
					jen.Var().Id("m").Add(g.spec(m.Name)),
					jen.Parens(jen.Op("*").Id(m.Name)).Call(jen.Op("&").Id("m")).Dot("decode").Call(jen.Op("&").Id("d")),
					jen.Id("d").Dot("End").Call(),
					jen.If(jen.Err().Op(":=").Id("d").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
						jen.Return(jen.Id("next"), g.fired().Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("deliver "+m.Name+": %w"), jen.Err()))),
					jen.If(jen.Op("!").Id(enabledFunc(e)).Call(jen.Id("r"), jen.Op("&").Id("m"))).Block(
						jen.Return(jen.Id("next"), g.fired().Values(), jen.Nil())),
					jen.Id("next").Op("=").Add(g.cloneState(jen.Id("r"))),
					jen.Id("f").Op("=").Id(eventFunc(e)).Call(jen.Op("&").Id("next"), jen.Op("&").Id("m"), jen.Op("&").Id("eff")),
				)
			}
			s.Default().Block(jen.Return(jen.Id("next"), g.fired().Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("deliver: no rule answers message kind %v"), jen.Id("k"))))
		}),
		jen.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")), jen.Nil()),
	)
	f.Line()
}

func (g *gen) genModelTimeout(f *jen.File) {
	f.Func().Params(g.modelRecv()).Id("Timeout").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("t").Int(), g.modelOut()).Params(g.stateType(), g.fired()).Block(
		g.effectsVar(),
		jen.Var().Id("f").Id("Fired"),
		jen.Var().Id("next").Add(g.stateType()),
		jen.Switch(jen.Id("t")).BlockFunc(func(s *jen.Group) {
			i := 0
			for _, e := range g.p.Events {
				if e.Trigger != lang.OnTimeout {
					continue
				}
				s.Case(jen.Lit(i)).Block(
					jen.Id("ev").Op(":=").Op("&").Add(g.spec(e.Name)).Values(),
					jen.If(jen.Op("!").Id(enabledFunc(e)).Call(jen.Id("r"), jen.Id("ev"))).Block(
						jen.Return(jen.Id("next"), g.fired().Values())),
					jen.Id("next").Op("=").Add(g.cloneState(jen.Id("r"))),
					jen.Id("f").Op("=").Id(eventFunc(e)).Call(jen.Op("&").Id("next"), jen.Id("ev"), jen.Op("&").Id("eff")))
				i++
			}
		}),
		jen.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f"))),
	)
	f.Line()
}

// genModelLocal emits Crash or Restart.
func (g *gen) genModelLocal(f *jen.File, trigger lang.TriggerKind, name string, param jen.Code) {
	params := []jen.Code{jen.Id("r").Op("*").Add(g.stateType())}
	if param != nil {
		params = append(params, param)
	}
	params = append(params, g.modelOut())
	e := g.eventOf(trigger, "")
	f.Func().Params(g.modelRecv()).Id(name).Params(params...).Params(g.stateType(), g.fired()).BlockFunc(func(b *jen.Group) {
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
		b.If(jen.Op("!").Id(enabledFunc(e)).Call(jen.Id("r"), jen.Id("ev"))).Block(jen.Return(jen.Id("next"), g.fired().Values()))
		b.Add(g.effectsVar())
		b.Id("next").Op("=").Add(g.cloneState(jen.Id("r")))
		b.Id("f").Op(":=").Id(eventFunc(e)).Call(jen.Op("&").Id("next"), jen.Id("ev"), jen.Op("&").Id("eff"))
		b.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")))
	})
	f.Line()
}

func (g *gen) genModelRequest(f *jen.File) {
	c := g.p.Client
	f.Func().Params(g.modelRecv()).Id("HasClients").Params().Bool().Block(jen.Return(jen.Lit(c != nil)))
	f.Line()
	f.Func().Params(g.modelRecv()).Id("Request").Params(
		jen.Id("r").Op("*").Add(g.stateType()), jen.List(jen.Id("c"), jen.Id("n")).Uint64(), jen.Id("v").Index().Byte(), g.modelOut(),
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
		number := jen.Id(c.Number)
		if c.NumberInSpec {
			number = g.spec(c.Number)
		}
		b.Id("m").Op(":=").Add(g.spec(c.Name)).Call(g.spec(g.p.ClientType).Call(jen.Id("c")), number.Call(jen.Id("n")), jen.Id("v"))
		b.If(jen.Op("!").Id(enabledFunc(e)).Call(jen.Id("r"), jen.Op("&").Id("m"))).Block(jen.Return(jen.Id("next"), g.fired().Values()))
		b.Add(g.effectsVar())
		b.Id("next").Op("=").Add(g.cloneState(jen.Id("r")))
		b.Id("f").Op(":=").Id(eventFunc(e)).Call(jen.Op("&").Id("next"), jen.Op("&").Id("m"), jen.Op("&").Id("eff"))
		b.Return(jen.Id("next"), jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("f")))
	})
	f.Line()
}

// genModelReplyOf emits ReplyOf: for each reply type, its first field of
// the client type and its first field of the request number type.
func (g *gen) genModelReplyOf(f *jen.File) {
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
	f.Func().Params(g.modelRecv()).Id("ReplyOf").Params(jen.Id("msg").Index().Byte()).Params(jen.List(jen.Id("client"), jen.Id("request")).Uint64(), jen.Err().Error()).BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("m"), jen.Err()).Op(":=").Id("UnmarshalMessage").Call(jen.Id("msg"))
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(0), jen.Lit(0), jen.Err()))
		if len(cases) > 0 {
			b.Switch(jen.Id("m").Op(":=").Id("m").Assert(jen.Type())).Block(cases...)
		}
		b.Return(jen.Lit(0), jen.Lit(0), jen.Qual("fmt", "Errorf").Call(jen.Lit("%T is not a reply with a client and a request number"), jen.Id("m")))
	})
	f.Line()
}

func (g *gen) genModelChecks(f *jen.File) {
	state := g.stateType
	f.Func().Params(g.modelRecv()).Id("CheckInvariants").Params(jen.Id("rs").Index().Add(state()), jen.Id("replies").Index().Index().Byte()).Error().BlockFunc(func(b *jen.Group) {
		if g.p.ReplyType == "" {
			b.Return(jen.Id("CheckInvariants").Call(jen.Id("rs")))
			return
		}
		b.Var().Id("decoded").Index().Add(g.spec(g.p.ReplyType))
		b.For(jen.Id("_").Op(",").Id("msg").Op(":=").Range().Id("replies")).Block(
			jen.List(jen.Id("m"), jen.Err()).Op(":=").Id("UnmarshalMessage").Call(jen.Id("msg")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.List(jen.Id("reply"), jen.Id("ok")).Op(":=").Id("m").Assert(g.spec(g.p.ReplyType)), jen.Id("ok")).Block(
				jen.Id("decoded").Op("=").Append(jen.Id("decoded"), jen.Id("reply"))),
		)
		b.Return(jen.Id("CheckInvariants").Call(jen.Id("rs"), jen.Id("decoded")))
	})
	f.Line()
	f.Func().Params(g.modelRecv()).Id("CheckActions").Params(jen.List(jen.Id("before"), jen.Id("after")).Op("*").Add(state())).Error().Block(
		jen.Return(jen.Id("CheckActions").Call(jen.Id("before"), jen.Id("after"))))
	f.Line()
	f.Func().Params(g.modelRecv()).Id("DecodeMessage").Params(jen.Id("msg").Index().Byte()).Params(jen.Any(), jen.Error()).Block(
		jen.Return(jen.Id("UnmarshalMessage").Call(jen.Id("msg"))))
	f.Line()
}

func (g *gen) genModelValues(f *jen.File) {
	fn := func() *jen.Statement { return jen.Func().Params(jen.Index().Byte()).Index().Byte() }
	f.Func().Params(g.modelRecv()).Id("RenameValues").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("f").Add(fn())).BlockFunc(func(b *jen.Group) {
		if g.p.State.Values {
			b.Parens(jen.Op("*").Id(g.p.State.Name)).Call(jen.Id("r")).Dot("mapValues").Call(jen.Id("f"))
		}
	})
	f.Line()
	var cases []jen.Code
	for _, m := range g.p.Messages {
		if m.Values {
			cases = append(cases, jen.Case(g.spec(m.Name)).Block(
				jen.Parens(jen.Op("*").Id(m.Name)).Call(jen.Op("&").Id("m")).Dot("mapValues").Call(jen.Id("f")),
				jen.Return(jen.Id("AppendMessage").Call(jen.Nil(), jen.Id("m"))),
			))
		}
	}
	f.Func().Params(g.modelRecv()).Id("RenameMessageValues").Params(jen.Id("msg").Index().Byte(), jen.Id("f").Add(fn())).Params(jen.Index().Byte(), jen.Error()).BlockFunc(func(b *jen.Group) {
		if len(cases) == 0 {
			b.Return(jen.Id("msg"), jen.Nil())
			return
		}
		b.List(jen.Id("m"), jen.Err()).Op(":=").Id("UnmarshalMessage").Call(jen.Id("msg"))
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		b.Switch(jen.Id("m").Op(":=").Id("m").Assert(jen.Type())).Block(cases...)
		b.Return(jen.Id("msg"), jen.Nil())
	})
	f.Line()
}

// genMapValues emits mapValues, which replaces every value v that s holds
// by f(v), in place.
func (g *gen) genMapValues(f *jen.File, s *ir.Struct) {
	f.Func().Params(jen.Id("m").Op("*").Id(s.Name)).Id("mapValues").Params(jen.Id("f").Func().Params(jen.Index().Byte()).Index().Byte()).BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.mapValues(b, fd.Type, fd.Value, jen.Id("m").Dot(fd.Name), 0)
		}
	})
	f.Line()
}

func (g *gen) mapValues(b *jen.Group, t *load.Type, value bool, v *jen.Statement, depth int) {
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
			b.Add(mirror(t.Named, v)).Dot("mapValues").Call(jen.Id("f"))
		}
	case load.Slice, load.Array:
		if !value && !g.elemHoldsValues(t.Elem) {
			return
		}
		i := loopVar(depth)
		b.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
			g.mapValues(b, t.Elem, value, v.Clone().Index(jen.Id(i)), depth+1)
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

// genModelApplyRule emits Model.ApplyRule: build the spec's event, then
// ApplyRule on a copy of the state.
func (g *gen) genModelApplyRule(f *jen.File) {
	f.Comment("ApplyRule applies one rule alone to a copy of r, for traces that show the")
	f.Comment("rules of a step one at a time.")
	f.Func().Params(g.modelRecv()).Id("ApplyRule").Params(
		jen.Id("r").Op("*").Add(g.stateType()), jen.Id("rule").Uint8(), jen.Id("ev").Qual(modelcheckPath, "Event"), g.modelOut(),
	).Params(g.stateType(), jen.Bool(), jen.Error()).Block(
		jen.Var().Id("next").Add(g.stateType()),
		jen.List(jen.Id("e"), jen.Err()).Op(":=").Id("eventValue").Call(jen.Id("ev")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("next"), jen.False(), jen.Err())),
		g.effectsVar(),
		jen.Id("applied").Op(":=").Add(g.cloneState(jen.Id("r"))),
		jen.List(jen.Id("ok"), jen.Err()).Op(":=").Id("ApplyRule").Call(jen.Op("&").Id("applied"), jen.Id("RuleID").Call(jen.Id("rule")), jen.Id("e"), jen.Op("&").Id("eff")),
		jen.If(jen.Err().Op("!=").Nil().Op("||").Op("!").Id("ok")).Block(jen.Return(jen.Id("next"), jen.False(), jen.Err())),
		jen.Id("convert").Call(jen.Op("&").Id("eff"), jen.Id("out"), jen.Id("Fired").Values()),
		jen.Return(jen.Id("applied"), jen.True(), jen.Nil()),
	)
	f.Line()
}

// genEventValue emits eventValue, which builds the spec's value of an event
// of the model checker: a decoded message, a timeout, a client's request,
// lang.Crash or lang.Restart.
func (g *gen) genEventValue(f *jen.File) {
	f.Comment("eventValue returns the spec's value of a step's event.")
	f.Func().Id("eventValue").Params(jen.Id("ev").Qual(modelcheckPath, "Event")).Params(jen.Any(), jen.Error()).Block(
		jen.Switch(jen.Id("ev").Dot("Kind")).BlockFunc(func(s *jen.Group) {
			s.Case(jen.Qual(modelcheckPath, "EventMessage")).Block(jen.Return(jen.Id("UnmarshalMessage").Call(jen.Id("ev").Dot("Msg"))))
			var timeouts []jen.Code
			i := 0
			for _, e := range g.p.Events {
				if e.Trigger == lang.OnTimeout {
					timeouts = append(timeouts, jen.Case(jen.Lit(i)).Block(jen.Return(g.spec(e.Name).Values(), jen.Nil())))
					i++
				}
			}
			if len(timeouts) > 0 {
				s.Case(jen.Qual(modelcheckPath, "EventTimeout")).Block(jen.Switch(jen.Id("ev").Dot("Timeout")).Block(timeouts...))
			}
			if c := g.p.Client; c != nil {
				number := jen.Id(c.Number)
				if c.NumberInSpec {
					number = g.spec(c.Number)
				}
				s.Case(jen.Qual(modelcheckPath, "EventRequest")).Block(jen.Return(
					g.spec(c.Name).Call(g.spec(g.p.ClientType).Call(jen.Id("ev").Dot("Client")), number.Call(jen.Id("ev").Dot("Request")), jen.Id("ev").Dot("Value")),
					jen.Nil()))
			}
			s.Case(jen.Qual(modelcheckPath, "EventCrash")).Block(jen.Return(jen.Qual(langPath, "Crash").Values(), jen.Nil()))
			s.Case(jen.Qual(modelcheckPath, "EventRestart")).Block(jen.Return(jen.Qual(langPath, "Restart").Values(jen.Id("Nonce").Op(":").Id("ev").Dot("Nonce")), jen.Nil()))
		}),
		jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("no event of kind %d, timeout %d in this spec"), jen.Id("ev").Dot("Kind"), jen.Id("ev").Dot("Timeout"))),
	)
	f.Line()
}

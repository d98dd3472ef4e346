package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/lang"
)

// genDispatchFile emits the rule identifiers, the rule table and one
// dispatch function per event, plus Dispatch over all events.
func (g *gen) genDispatchFile(f *jen.File) {
	g.genRuleIDs(f)
	g.genRuleTable(f)
	g.genFired(f)
	for _, e := range g.p.Events {
		g.genEvent(f, e)
		g.genEnabled(f, e)
	}
	g.genDispatch(f)
	g.genApplyRule(f)
	genEventAs(f)
}

// enabledFunc is the name of the function that reports whether a rule of
// event e is enabled.
func enabledFunc(e *ir.Event) string { return "Enabled" + e.Name }

// genEnabled emits Enabled<Event>, which evaluates the guards of the rules
// that consume e, and nothing else: a caller can skip copying a state for
// an event that no rule answers.
func (g *gen) genEnabled(f *jen.File, e *ir.Event) {
	f.Commentf("%s reports whether a rule of %s is enabled at r, so that %s would", enabledFunc(e), e.Name, eventFunc(e))
	f.Comment("change r; it only reads.")
	f.Func().Id(enabledFunc(e)).Params(jen.Id("r").Op("*").Add(g.stateType()), g.eventParam(e)).Bool().Block(
		jen.Return(jen.ListFunc(func(l *jen.Group) {
			var expr *jen.Statement
			for i, r := range e.Rules {
				call := g.spec(r.Name).Values().Dot("Guard").Call(jen.Id("r"), jen.Id("ev"))
				if i == 0 {
					expr = call
				} else {
					expr = expr.Op("||").Add(call)
				}
			}
			l.Add(expr)
		})),
	)
	f.Line()
}

func ruleID(r *ir.Rule) string { return "Rule" + r.Name }

func (g *gen) genRuleIDs(f *jen.File) {
	f.Comment("RuleID identifies a rule of the spec; RuleNone is no rule.")
	f.Type().Id("RuleID").Uint8()
	f.Line()
	f.Const().DefsFunc(func(d *jen.Group) {
		d.Id("RuleNone").Id("RuleID").Op("=").Iota()
		for _, r := range g.p.Rules {
			d.Id(ruleID(r))
		}
	})
	f.Line()
	f.Comment("NumRules is the number of rules; RuleIDs run from 1 to NumRules.")
	f.Const().Id("NumRules").Op("=").Lit(len(g.p.Rules))
	f.Line()
	f.Func().Params(jen.Id("id").Id("RuleID")).Id("String").Params().String().Block(
		jen.If(jen.Id("id").Op("==").Id("RuleNone")).Block(jen.Return(jen.Lit("none"))),
		jen.If(jen.Int().Call(jen.Id("id")).Op("<").Len(jen.Id("Rules"))).Block(jen.Return(jen.Id("Rules").Index(jen.Id("id")).Dot("Name"))),
		jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("RuleID(%d)"), jen.Uint8().Call(jen.Id("id")))),
	)
	f.Line()
}

var triggerNames = map[lang.TriggerKind]string{
	lang.OnMessage: "OnMessage", lang.OnRequest: "OnRequest", lang.OnTimeout: "OnTimeout",
	lang.OnQuorum: "OnQuorum", lang.OnCrash: "OnCrash", lang.OnRestart: "OnRestart",
}

func (g *gen) genRuleTable(f *jen.File) {
	f.Comment("Rules describes every rule, indexed by RuleID; Rules[RuleNone] is empty.")
	f.Var().Id("Rules").Op("=").Index(jen.Id("NumRules").Op("+").Lit(1)).Qual(langPath, "RuleInfo").ValuesFunc(func(v *jen.Group) {
		for _, r := range g.p.Rules {
			v.Line().Id(ruleID(r)).Op(":").Values(
				jen.Id("Name").Op(":").Lit(r.Name),
				jen.Id("Trigger").Op(":").Qual(langPath, triggerNames[r.Trigger]),
				jen.Id("Event").Op(":").Lit(r.Event),
				jen.Id("Section").Op(":").Lit(r.Section),
				jen.Id("Pos").Op(":").Lit(r.Pos.String()),
			)
		}
		v.Line()
	})
	f.Line()
}

func (g *gen) genFired(f *jen.File) {
	f.Comment("Fired says which rules one dispatch applied: Rule consumed the event, and")
	f.Comment("Quorum, when not RuleNone, fired right after it on a quorum of messages.")
	f.Comment("A zero Fired means no rule was enabled: the event is ignored.")
	f.Type().Id("Fired").Struct(
		jen.Id("Rule").Id("RuleID"),
		jen.Id("Quorum").Id("RuleID"),
	)
	f.Line()
}

// eventFunc is the name of the dispatch function of e.
func eventFunc(e *ir.Event) string { return "On" + e.Name }

// eventParam is the parameter through which e reaches its rules: a
// pointer to a spec event, or lang.Crash or lang.Restart by value.
func (g *gen) eventParam(e *ir.Event) jen.Code {
	switch e.Trigger {
	case lang.OnCrash, lang.OnRestart:
		return jen.Id("ev").Qual(langPath, e.Name)
	}
	return jen.Id("ev").Op("*").Add(g.spec(e.Name))
}

func (g *gen) genEvent(f *jen.File, e *ir.Event) {
	names := ""
	for i, r := range e.Rules {
		if i > 0 {
			names += ", "
		}
		names += r.Name
	}
	f.Commentf("%s applies to r the first enabled rule of %s: %s.", eventFunc(e), e.Name, names)
	if len(e.Quorum) > 0 {
		f.Commentf("After one of them, it applies the first enabled rule on QuorumOf[%s].", e.Name)
	}
	params := []jen.Code{jen.Id("r").Op("*").Add(g.stateType()), g.eventParam(e), jen.Id("out").Add(g.effectsType())}
	f.Func().Id(eventFunc(e)).Params(params...).Params(jen.Id("f").Id("Fired")).BlockFunc(func(b *jen.Group) {
		g.ruleSwitch(b, e.Rules, jen.Id("ev"), "Rule", len(e.Quorum) > 0)
		if len(e.Quorum) > 0 {
			b.Id("q").Op(":=").Qual(langPath, "QuorumOf").Types(g.spec(e.Name)).Values(jen.Id("Last").Op(":").Id("ev"))
			g.ruleSwitch(b, e.Quorum, jen.Id("q"), "Quorum", false)
		}
		b.Return(jen.Id("f"))
	})
	f.Line()
}

// ruleSwitch emits a switch that applies the first rule whose guard holds
// and records it in f.field.
func (g *gen) ruleSwitch(b *jen.Group, rules []*ir.Rule, arg jen.Code, field string, returnIfNone bool) {
	b.Switch().BlockFunc(func(s *jen.Group) {
		for _, r := range rules {
			rule := func() *jen.Statement { return g.spec(r.Name).Values() }
			s.Case(rule().Dot("Guard").Call(jen.Id("r"), arg)).Block(
				rule().Dot("Apply").Call(jen.Id("r"), arg, jen.Id("out")),
				jen.Id("f").Dot(field).Op("=").Id(ruleID(r)),
			)
		}
		if returnIfNone {
			s.Default().Block(jen.Return(jen.Id("f")))
		}
	})
}

func (g *gen) genDispatch(f *jen.File) {
	f.Comment("Dispatch applies event ev to r: a message, request or timeout of the spec,")
	f.Comment("as a value or a pointer, lang.Crash or lang.Restart. It returns an error")
	f.Comment("for an event that no rule answers.")
	f.Func().Id("Dispatch").Params(jen.Id("r").Op("*").Add(g.stateType()), jen.Id("ev").Any(), jen.Id("out").Add(g.effectsType())).Params(jen.Id("Fired"), jen.Error()).Block(
		jen.Switch(jen.Id("ev").Op(":=").Id("ev").Assert(jen.Type())).BlockFunc(func(s *jen.Group) {
			for _, e := range g.p.Events {
				switch e.Trigger {
				case lang.OnCrash, lang.OnRestart:
					s.Case(jen.Qual(langPath, e.Name)).Block(
						jen.Return(jen.Id(eventFunc(e)).Call(jen.Id("r"), jen.Id("ev"), jen.Id("out")), jen.Nil()))
					s.Case(jen.Op("*").Qual(langPath, e.Name)).Block(
						jen.Return(jen.Id(eventFunc(e)).Call(jen.Id("r"), jen.Op("*").Id("ev"), jen.Id("out")), jen.Nil()))
				default:
					s.Case(g.spec(e.Name)).Block(
						jen.Return(jen.Id(eventFunc(e)).Call(jen.Id("r"), jen.Op("&").Id("ev"), jen.Id("out")), jen.Nil()))
					s.Case(jen.Op("*").Add(g.spec(e.Name))).Block(
						jen.Return(jen.Id(eventFunc(e)).Call(jen.Id("r"), jen.Id("ev"), jen.Id("out")), jen.Nil()))
				}
			}
		}),
		jen.Return(jen.Id("Fired").Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit("dispatch: no rule answers %T"), jen.Id("ev"))),
	)
	f.Line()
}

// genApplyRule emits ApplyRule, which applies one rule by its RuleID when
// its guard holds: a dispatch applies a rule and then, maybe, a quorum
// rule, and a trace shows the state between the two.
func (g *gen) genApplyRule(f *jen.File) {
	f.Comment("ApplyRule applies rule id alone to r for event ev when the rule's guard")
	f.Comment("holds, and reports whether it did. ev is what the rule answers, as")
	f.Comment("Dispatch takes it; for a quorum rule, the message just consumed. It")
	f.Comment("returns an error for an unknown rule or an event the rule does not answer.")
	params := []jen.Code{jen.Id("r").Op("*").Add(g.stateType()), jen.Id("id").Id("RuleID"), jen.Id("ev").Any(), jen.Id("out").Add(g.effectsType())}
	f.Func().Id("ApplyRule").Params(params...).Params(jen.Bool(), jen.Error()).Block(
		jen.Switch(jen.Id("id")).BlockFunc(func(s *jen.Group) {
			for _, r := range g.p.Rules {
				s.Case(jen.Id(ruleID(r))).Block(g.applyOne(r))
			}
			s.Default().Block(jen.Return(jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("apply: no rule %v"), jen.Id("id"))))
		}),
		jen.Return(jen.False(), jen.Qual("fmt", "Errorf").Call(jen.Lit("apply %v: %T is not a %s"), jen.Id("id"), jen.Id("ev"), jen.Id("Rules").Index(jen.Id("id")).Dot("Event"))),
	)
	f.Line()
}

// applyOne emits the case of rule r in ApplyRule: convert the event, then
// guard and apply.
func (g *gen) applyOne(r *ir.Rule) jen.Code {
	var event, arg *jen.Statement
	var prelude []jen.Code
	switch r.Trigger {
	case lang.OnCrash, lang.OnRestart:
		event, arg = jen.Qual(langPath, r.Event), jen.Op("*").Id("e")
	case lang.OnQuorum:
		event, arg = g.spec(r.Event), jen.Id("q")
		prelude = append(prelude, jen.Id("q").Op(":=").Qual(langPath, "QuorumOf").Types(g.spec(r.Event)).Values(jen.Id("Last").Op(":").Id("e")))
	default:
		event, arg = g.spec(r.Event), jen.Id("e")
	}
	rule := func() *jen.Statement { return g.spec(r.Name).Values() }
	// A composite literal in an if header needs parentheses.
	body := append(prelude,
		jen.If(jen.Op("!").Parens(rule()).Dot("Guard").Call(jen.Id("r"), arg.Clone())).Block(jen.Return(jen.False(), jen.Nil())),
		rule().Dot("Apply").Call(jen.Id("r"), arg.Clone(), jen.Id("out")),
		jen.Return(jen.True(), jen.Nil()),
	)
	return jen.If(jen.List(jen.Id("e"), jen.Id("ok")).Op(":=").Id("eventAs").Types(event).Call(jen.Id("ev")), jen.Id("ok")).Block(body...)
}

// genEventAs emits eventAs, which takes an event as a value or a pointer.
func genEventAs(f *jen.File) {
	f.Comment("eventAs returns ev as a *E when it is an E or a *E.")
	f.Func().Id("eventAs").Types(jen.Id("E").Any()).Params(jen.Id("ev").Any()).Params(jen.Op("*").Id("E"), jen.Bool()).Block(
		jen.Switch(jen.Id("ev").Op(":=").Id("ev").Assert(jen.Type())).Block(
			jen.Case(jen.Id("E")).Block(jen.Return(jen.Op("&").Id("ev"), jen.True())),
			jen.Case(jen.Op("*").Id("E")).Block(jen.Return(jen.Id("ev"), jen.True())),
		),
		jen.Return(jen.Nil(), jen.False()),
	)
	f.Line()
}

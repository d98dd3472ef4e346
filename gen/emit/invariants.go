package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
)

// genInvariantsFile emits the tables of invariants and action properties,
// CheckInvariants and CheckActions.
func (g *gen) genInvariantsFile(f *jen.File) {
	g.genInvariants(f)
	g.genActions(f)
}

// invariantParams are the parameters of a generated invariant check: the
// states, and the replies when the spec's invariants take them.
func (g *gen) invariantParams() []jen.Code {
	params := []jen.Code{jen.Id("rs").Index().Add(g.stateType())}
	if g.p.ReplyType != "" {
		params = append(params, jen.Id("replies").Index().Add(g.spec(g.p.ReplyType)))
	}
	return params
}

func (g *gen) genInvariants(f *jen.File) {
	params := g.invariantParams()
	args := []jen.Code{jen.Id("rs")}
	if g.p.ReplyType != "" {
		args = append(args, jen.Id("replies"))
	}
	f.Comment("Invariant is a predicate of the spec over the states of all replicas.")
	f.Type().Id("Invariant").Struct(
		jen.Qual(langPath, "PredicateInfo"),
		jen.Comment("Check returns nil when the invariant holds."),
		jen.Id("Check").Func().Params(params...).Error(),
	)
	f.Line()
	f.Comment("Invariants lists the invariants in spec order.")
	f.Var().Id("Invariants").Op("=").Index(jen.Op("...")).Id("Invariant").ValuesFunc(func(v *jen.Group) {
		for _, inv := range g.p.Invariants {
			v.Line().Values(g.info(inv), g.invariantCheck(inv, params))
		}
		v.Line()
	})
	f.Line()
	f.Comment("CheckInvariants returns the first invariant that breaks, or nil.")
	f.Func().Id("CheckInvariants").Params(params...).Error().Block(
		jen.For(jen.Id("_").Op(",").Id("inv").Op(":=").Range().Id("Invariants")).Block(
			jen.If(jen.Err().Op(":=").Id("inv").Dot("Check").Call(args...), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Op("&").Qual(langPath, "Broken").Values(jen.Id("Kind").Op(":").Lit("invariant"), jen.Id("PredicateInfo").Op(":").Id("inv").Dot("PredicateInfo"), jen.Id("Err").Op(":").Err())),
			),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

// invariantCheck refers to the spec's invariant, wrapped when it does not
// take the replies that the other invariants take.
func (g *gen) invariantCheck(inv *ir.Predicate, params []jen.Code) jen.Code {
	if g.p.ReplyType == "" || inv.Replies {
		return g.spec(inv.Name)
	}
	return jen.Func().Params(jen.Id("rs").Index().Add(g.stateType()), jen.Id("_").Index().Add(g.spec(g.p.ReplyType))).Error().Block(
		jen.Return(g.spec(inv.Name).Call(jen.Id("rs"))),
	)
}

func (g *gen) info(inv *ir.Predicate) jen.Code {
	return jen.Qual(langPath, "PredicateInfo").Values(
		jen.Id("Name").Op(":").Lit(inv.Name),
		jen.Id("Pos").Op(":").Lit(inv.Pos.String()),
	)
}

func (g *gen) genActions(f *jen.File) {
	state := g.stateType()
	f.Comment("Action is a predicate of the spec over one replica's state before and")
	f.Comment("after a step.")
	f.Type().Id("Action").Struct(
		jen.Qual(langPath, "PredicateInfo"),
		jen.Comment("Check returns nil when the property holds for the step."),
		jen.Id("Check").Func().Params(jen.List(jen.Id("before"), jen.Id("after")).Op("*").Add(state.Clone())).Error(),
	)
	f.Line()
	f.Comment("Actions lists the action properties in spec order.")
	f.Var().Id("Actions").Op("=").Index(jen.Op("...")).Id("Action").ValuesFunc(func(v *jen.Group) {
		for _, a := range g.p.Actions {
			v.Line().Values(g.info(a), g.spec(a.Name))
		}
		if len(g.p.Actions) > 0 {
			v.Line()
		}
	})
	f.Line()
	f.Comment("CheckActions returns the first action property that a step from before")
	f.Comment("to after breaks, or nil.")
	f.Func().Id("CheckActions").Params(jen.List(jen.Id("before"), jen.Id("after")).Op("*").Add(state)).Error().Block(
		jen.For(jen.Id("_").Op(",").Id("a").Op(":=").Range().Id("Actions")).Block(
			jen.If(jen.Err().Op(":=").Id("a").Dot("Check").Call(jen.Id("before"), jen.Id("after")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Op("&").Qual(langPath, "Broken").Values(jen.Id("Kind").Op(":").Lit("action"), jen.Id("PredicateInfo").Op(":").Id("a").Dot("PredicateInfo"), jen.Id("Err").Op(":").Err())),
			),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

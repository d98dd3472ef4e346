package emit

import (
	"github.com/dave/jennifer/jen"
)

// genInvariantsFile emits the table of invariants and CheckInvariants.
func (g *gen) genInvariantsFile(f *jen.File) {
	state := g.stateType()
	f.Comment("Invariant is a predicate of the spec over the states of all replicas.")
	f.Type().Id("Invariant").Struct(
		jen.Qual(langPath, "InvariantInfo"),
		jen.Comment("Check returns nil when the invariant holds."),
		jen.Id("Check").Func().Params(jen.Index().Add(state.Clone())).Error(),
	)
	f.Line()
	f.Comment("Invariants lists the invariants in spec order.")
	f.Var().Id("Invariants").Op("=").Index(jen.Op("...")).Id("Invariant").ValuesFunc(func(v *jen.Group) {
		for _, inv := range g.p.Invariants {
			v.Line().Values(
				jen.Qual(langPath, "InvariantInfo").Values(
					jen.Id("Name").Op(":").Lit(inv.Name),
					jen.Id("Pos").Op(":").Lit(inv.Pos.String()),
				),
				g.spec(inv.Name),
			)
		}
		v.Line()
	})
	f.Line()
	f.Comment("CheckInvariants returns the first invariant that rs breaks, or nil.")
	f.Func().Id("CheckInvariants").Params(jen.Id("rs").Index().Add(state)).Error().Block(
		jen.For(jen.Id("_").Op(",").Id("inv").Op(":=").Range().Id("Invariants")).Block(
			jen.If(jen.Err().Op(":=").Id("inv").Dot("Check").Call(jen.Id("rs")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("invariant %s (%s): %w"), jen.Id("inv").Dot("Name"), jen.Id("inv").Dot("Pos"), jen.Err())),
			),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

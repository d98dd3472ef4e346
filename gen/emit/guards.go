package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
)

// genGuardsFile emits functions that only build while the spec's types have
// the layout this package was generated from. A pointer conversion between
// two types needs identical underlying types, so any change of a field, its
// type or its order, or of a number type's width, fails here first.
func (g *gen) genGuardsFile(f *jen.File) {
	f.Commentf("A build error in this file means that %s/ changed after this package was", g.specDir)
	f.Comment("generated: run go generate ./... to bring it up to date.")
	f.Line()
	for _, t := range g.namedBasics() {
		f.Func().Id("_").Params(jen.Id("v").Op("*").Add(g.spec(t.Named))).Block(
			jen.Id("_").Op("=").Parens(jen.Op("*").Id(basicName(t))).Call(jen.Id("v")),
		)
		f.Line()
	}
	for _, s := range g.p.Structs {
		g.genStructGuard(f, s)
	}
	for _, t := range g.p.Timeouts {
		f.Func().Id("_").Params(jen.Id("v").Op("*").Add(g.spec(t.Name))).Block(
			jen.Id("_").Op("=").Parens(jen.Op("*").Struct()).Call(jen.Id("v")),
		)
		f.Line()
	}
}

func (g *gen) genStructGuard(f *jen.File, s *ir.Struct) {
	f.Func().Id("_").Params(jen.Id("v").Op("*").Add(g.spec(s.Name))).Block(
		jen.Type().Id("staleRunGoGenerate").StructFunc(func(fields *jen.Group) {
			for _, fd := range s.Fields {
				fields.Id(fd.Name).Add(g.typeCode(fd.Type))
			}
		}),
		jen.Id("_").Op("=").Parens(jen.Op("*").Id("staleRunGoGenerate")).Call(jen.Id("v")),
	)
	f.Line()
}

// namedBasics lists the named integer, bool and string types that fields
// use, in the order they are first met.
func (g *gen) namedBasics() []*load.Type {
	var list []*load.Type
	seen := map[string]bool{}
	var walk func(t *load.Type)
	walk = func(t *load.Type) {
		switch t.Kind {
		case load.Slice, load.Array:
			walk(t.Elem)
		case load.Bool, load.Int, load.Uint, load.String:
			if t.Named != "" && !seen[t.Named] {
				seen[t.Named] = true
				list = append(list, t)
			}
		}
	}
	for _, s := range g.p.Structs {
		for _, fd := range s.Fields {
			walk(fd.Type)
		}
	}
	return list
}

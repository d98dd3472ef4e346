package emit

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
)

// genFuzzFile emits a fuzz target for the codec of every message and of the
// state. Its seeds, a sample value with every field set among them, run in
// the ordinary test suite.
func (g *gen) genFuzzFile(f *jen.File) {
	f.Comment("codecValue is a generated type's pointer with its codec methods.")
	f.Type().Id("codecValue").Types(jen.Id("M").Any()).Interface(
		jen.Op("*").Id("M"),
		jen.Id("AppendBinary").Params(jen.Index().Byte()).Params(jen.Index().Byte(), jen.Error()),
		jen.Id("UnmarshalBinary").Params(jen.Index().Byte()).Error(),
		jen.Id("equal").Params(jen.Op("*").Id("M")).Bool(),
	)
	f.Line()
	f.Comment("fuzzCodec checks that decoding never panics and that whatever decodes")
	f.Comment("encodes back to the same value and the same bytes.")
	f.Func().Id("fuzzCodec").Types(jen.Id("M").Any(), jen.Id("P").Id("codecValue").Types(jen.Id("M"))).Params(
		jen.Id("f").Op("*").Qual("testing", "F"), jen.Id("sample").Op("*").Id("M"),
	).Block(
		jen.List(jen.Id("enc"), jen.Err()).Op(":=").Id("P").Call(jen.Id("sample")).Dot("AppendBinary").Call(jen.Nil()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("f").Dot("Fatal").Call(jen.Err())),
		jen.Var().Id("back").Id("M"),
		jen.If(jen.Err().Op(":=").Id("P").Call(jen.Op("&").Id("back")).Dot("UnmarshalBinary").Call(jen.Id("enc")), jen.Err().Op("!=").Nil()).Block(
			jen.Id("f").Dot("Fatalf").Call(jen.Lit("decode the sample: %v"), jen.Err()),
		),
		jen.If(jen.Op("!").Id("P").Call(jen.Id("sample")).Dot("equal").Call(jen.Op("&").Id("back"))).Block(
			jen.Id("f").Dot("Fatalf").Call(jen.Lit("the sample changed in a round trip: %+v became %+v"), jen.Op("*").Id("sample"), jen.Id("back")),
		),
		jen.Var().Id("zero").Id("M"),
		jen.List(jen.Id("zeroEnc"), jen.Id("_")).Op(":=").Id("P").Call(jen.Op("&").Id("zero")).Dot("AppendBinary").Call(jen.Nil()),
		jen.For(jen.Id("_").Op(",").Id("seed").Op(":=").Range().Index().Index().Byte().Values(
			jen.Id("enc"), jen.Id("zeroEnc"), jen.Id("enc").Index(jen.Op(":").Len(jen.Id("enc")).Op("/").Lit(2)),
			jen.Values(), jen.Values(jen.Lit(0)), jen.Values(jen.Qual(wirePath, "Version"), jen.Lit(0xff), jen.Lit(0xff), jen.Lit(0xff)),
		)).Block(jen.Id("f").Dot("Add").Call(jen.Id("seed"))),
		jen.Id("f").Dot("Fuzz").Call(jen.Func().Params(jen.Id("t").Op("*").Qual("testing", "T"), jen.Id("b").Index().Byte()).Block(
			jen.Var().Id("m").Id("M"),
			jen.If(jen.Id("P").Call(jen.Op("&").Id("m")).Dot("UnmarshalBinary").Call(jen.Id("b")).Op("!=").Nil()).Block(jen.Return()),
			jen.List(jen.Id("enc"), jen.Err()).Op(":=").Id("P").Call(jen.Op("&").Id("m")).Dot("AppendBinary").Call(jen.Nil()),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatal").Call(jen.Err())),
			jen.Var().Id("back").Id("M"),
			jen.If(jen.Err().Op(":=").Id("P").Call(jen.Op("&").Id("back")).Dot("UnmarshalBinary").Call(jen.Id("enc")), jen.Err().Op("!=").Nil()).Block(
				jen.Id("t").Dot("Fatalf").Call(jen.Lit("re-decode %x: %v"), jen.Id("enc"), jen.Err()),
			),
			jen.If(jen.Op("!").Id("P").Call(jen.Op("&").Id("m")).Dot("equal").Call(jen.Op("&").Id("back"))).Block(
				jen.Id("t").Dot("Fatalf").Call(jen.Lit("round trip changed %+v into %+v"), jen.Id("m"), jen.Id("back")),
			),
			jen.List(jen.Id("again"), jen.Id("_")).Op(":=").Id("P").Call(jen.Op("&").Id("back")).Dot("AppendBinary").Call(jen.Nil()),
			jen.If(jen.Op("!").Qual("bytes", "Equal").Call(jen.Id("enc"), jen.Id("again"))).Block(
				jen.Id("t").Dot("Fatalf").Call(jen.Lit("encoding is not stable: %x then %x"), jen.Id("enc"), jen.Id("again")),
			),
		)),
	)
	f.Line()
	for _, s := range g.p.Structs {
		if s.IsMessage() || s == g.p.State {
			f.Func().Id("Fuzz" + s.Name).Params(jen.Id("f").Op("*").Qual("testing", "F")).Block(
				jen.Id("fuzzCodec").Types(jen.Id(s.Name), jen.Op("*").Id(s.Name)).Call(jen.Id("f"), jen.Id("sample"+s.Name).Call()),
			)
			f.Line()
		}
	}
	for _, s := range g.p.Structs {
		g.genSample(f, s)
	}
}

// genSample emits a constructor of a value of s with every field set, to
// exercise every path of the codec.
func (g *gen) genSample(f *jen.File, s *ir.Struct) {
	f.Func().Id("sample" + s.Name).Params().Op("*").Id(s.Name).Block(
		jen.Return(jen.Op("&").Id(s.Name).ValuesFunc(func(v *jen.Group) {
			for i, fd := range s.Fields {
				v.Id(fd.Name).Op(":").Add(g.sampleValue(fd.Type, i))
			}
		})),
	)
	f.Line()
}

func (g *gen) sampleValue(t *load.Type, i int) jen.Code {
	switch t.Kind {
	case load.Bool:
		return g.typeCode(t).Call(jen.True())
	case load.Uint, load.Int:
		if e := g.p.EnumOf(t.Named); e != nil {
			return g.enumConst(e, e.Values[len(e.Values)-1])
		}
	}
	switch t.Kind {
	case load.Uint:
		v := uint64(i + 1)
		if t.Bits > 8 {
			v = 1<<(t.Bits-1) + uint64(i)
		}
		return g.typeCode(t).Call(jen.Lit(v))
	case load.Int:
		return g.typeCode(t).Call(jen.Lit(-(i + 1)))
	case load.String:
		return g.typeCode(t).Call(jen.Lit(fmt.Sprintf("s%d", i)))
	case load.Bytes:
		return jen.Index().Byte().Call(jen.Lit(fmt.Sprintf("bytes%d", i)))
	case load.Struct:
		return g.spec(t.Named).Call(jen.Op("*").Id("sample" + t.Named).Call())
	case load.Slice:
		return g.typeCode(t).Values(g.sampleValue(t.Elem, i), g.sampleValue(t.Elem, i+1))
	case load.Array:
		return g.typeCode(t).Values(g.sampleValue(t.Elem, i))
	}
	panic(fmt.Sprintf("emit: no sample of %s", t.Desc))
}

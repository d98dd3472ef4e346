package emit

import (
	"fmt"
	"go/token"

	"github.com/dave/jennifer/jen"

	"github.com/viewstamped/vsr/gen/ir"
	"github.com/viewstamped/vsr/gen/load"
)

// genCodecFile emits, for every struct of the spec that a message or the
// state holds, a type with the spec's layout and the generated methods.
func (g *gen) genCodecFile(f *jen.File) {
	for _, s := range g.p.Structs {
		g.genStruct(f, s)
	}
	for _, e := range g.p.Enums {
		g.genEnumValid(f, e)
	}
}

// enumValid is the name of the function that reports whether a value of
// enum e is one of its constants.
func enumValid(e *ir.Enum) string { return "valid" + e.Name }

// enumConst refers to a constant of an enum: by name when the generated
// package can name it, else by value.
func (g *gen) enumConst(e *ir.Enum, c *load.Const) *jen.Statement {
	if token.IsExported(c.Name) {
		return g.spec(c.Name)
	}
	return g.spec(e.Name).Call(jen.Op(c.Value))
}

// genEnumValid emits valid<Enum>, which decoders call so that a value out
// of an enum's range is malformed input.
func (g *gen) genEnumValid(f *jen.File, e *ir.Enum) {
	f.Commentf("%s reports whether v is one of the constants of %s.%s.", enumValid(e), g.p.SpecName, e.Name)
	f.Func().Id(enumValid(e)).Params(jen.Id("v").Add(g.spec(e.Name))).Bool().Block(
		jen.Switch(jen.Id("v")).Block(
			jen.CaseFunc(func(c *jen.Group) {
				for _, v := range e.Values {
					c.Add(g.enumConst(e, v))
				}
			}).Block(jen.Return(jen.True())),
		),
		jen.Return(jen.False()),
	)
	f.Line()
}

func (g *gen) genStruct(f *jen.File, s *ir.Struct) {
	name := s.Name
	recv := func() *jen.Statement { return jen.Id("m").Op("*").Id(name) }
	f.Commentf("%s is %s.%s with its generated methods. The two types share one", name, g.p.SpecName, name)
	f.Commentf("layout: convert a pointer, (*%s)(&v), to call them on a %s.%s.", name, g.p.SpecName, name)
	f.Type().Id(name).Add(g.spec(name))
	f.Line()

	f.Comment("AppendBinary appends the version byte and the encoding of m to b.")
	f.Func().Params(recv()).Id("AppendBinary").Params(jen.Id("b").Index().Byte()).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("m").Dot("appendBody").Call(jen.Append(jen.Id("b"), jen.Qual(wirePath, "Version"))), jen.Nil()),
	)
	f.Line()
	f.Comment("MarshalBinary returns the version byte and the encoding of m.")
	f.Func().Params(recv()).Id("MarshalBinary").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Return(jen.Id("m").Dot("AppendBinary").Call(jen.Nil())),
	)
	f.Line()
	f.Comment("UnmarshalBinary decodes what AppendBinary encoded. It returns an error on")
	f.Comment("any malformed input, trailing bytes included, and never panics.")
	f.Func().Params(recv()).Id("UnmarshalBinary").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.Op("*").Id("m").Op("=").Id(name).Values(),
		jen.Id("d").Op(":=").Qual(wirePath, "NewDecoder").Call(jen.Id("b")),
		jen.Id("d").Dot("Version").Call(),
		jen.Id("m").Dot("Decode").Call(jen.Op("&").Id("d")),
		jen.Id("d").Dot("End").Call(),
		jen.If(jen.Err().Op(":=").Id("d").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("decode "+name+": %w"), jen.Err())),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()
	f.Comment("AppendCanonical appends the canonical encoding of m: two values are Equal")
	f.Comment("exactly when their canonical encodings are the same bytes.")
	f.Func().Params(recv()).Id("AppendCanonical").Params(jen.Id("b").Index().Byte()).Index().Byte().Block(
		jen.Return(jen.Id("m").Dot("appendBody").Call(jen.Id("b"))),
	)
	f.Line()
	f.Comment("Fingerprint returns a 64-bit hash of the canonical encoding of m.")
	f.Func().Params(recv()).Id("Fingerprint").Params().Uint64().Block(
		jen.Var().Id("buf").Index(jen.Lit(256)).Byte(),
		jen.Return(jen.Qual(wirePath, "Fingerprint").Call(jen.Id("m").Dot("appendBody").Call(jen.Id("buf").Index(jen.Op(":").Lit(0))))),
	)
	f.Line()
	f.Comment("Clone returns a deep copy of m that shares no memory with it.")
	clone := []jen.Code{jen.Id("c").Op(":=").Op("*").Id("m")}
	if s.Deep {
		clone = append(clone, jen.Id("c").Dot("deepen").Call())
	}
	clone = append(clone, jen.Return(g.spec(name).Call(jen.Id("c"))))
	f.Func().Params(recv()).Id("Clone").Params().Add(g.spec(name)).Block(clone...)
	f.Line()
	f.Comment("Equal reports whether m and o hold the same value. A nil and an empty")
	f.Comment("slice are equal.")
	f.Func().Params(recv()).Id("Equal").Params(jen.Id("o").Op("*").Add(g.spec(name))).Bool().Block(
		jen.Return(jen.Id("m").Dot("equal").Call(jen.Parens(jen.Op("*").Id(name)).Call(jen.Id("o")))),
	)
	f.Line()
	g.genAppendBody(f, s)
	g.genDecode(f, s)
	g.genEqual(f, s)
	if s.Deep {
		g.genDeepen(f, s)
	}
}

func (g *gen) genAppendBody(f *jen.File, s *ir.Struct) {
	f.Func().Params(jen.Id("m").Op("*").Id(s.Name)).Id("appendBody").Params(jen.Id("b").Index().Byte()).Index().Byte().BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.encode(b, fd.Type, jen.Id("m").Dot(fd.Name), 0)
		}
		b.Return(jen.Id("b"))
	})
	f.Line()
}

// encode appends to b the statements that encode v of type t.
func (g *gen) encode(b *jen.Group, t *load.Type, v *jen.Statement, depth int) {
	appendTo := func(fn string, arg jen.Code) {
		b.Id("b").Op("=").Qual(wirePath, fn).Call(jen.Id("b"), arg)
	}
	switch t.Kind {
	case load.Bool:
		appendTo("AppendBool", jen.Bool().Call(v))
	case load.Uint:
		appendTo("AppendUint", jen.Uint64().Call(v))
	case load.Int:
		appendTo("AppendInt", jen.Int64().Call(v))
	case load.String:
		appendTo("AppendString", jen.String().Call(v))
	case load.Bytes:
		appendTo("AppendBytes", v)
	case load.Struct:
		b.Id("b").Op("=").Add(mirror(t.Named, v)).Dot("appendBody").Call(jen.Id("b"))
	case load.Slice, load.Array:
		if t.Kind == load.Slice {
			appendTo("AppendUint", jen.Uint64().Call(jen.Len(v.Clone())))
		}
		i := loopVar(depth)
		b.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
			g.encode(b, t.Elem, v.Clone().Index(jen.Id(i)), depth+1)
		})
	default:
		panic(fmt.Sprintf("emit: cannot encode %s", t.Desc))
	}
}

func (g *gen) genDecode(f *jen.File, s *ir.Struct) {
	f.Comment("Decode reads into m what AppendCanonical encodes, from a decoder over a")
	f.Comment("larger input; the decoder records the first error.")
	f.Func().Params(jen.Id("m").Op("*").Id(s.Name)).Id("Decode").Params(jen.Id("d").Op("*").Qual(wirePath, "Decoder")).BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.decode(b, fd.Type, jen.Id("m").Dot(fd.Name), 0)
		}
	})
	f.Line()
}

// decode appends to b the statements that decode into v of type t.
func (g *gen) decode(b *jen.Group, t *load.Type, v *jen.Statement, depth int) {
	conv := func(read *jen.Statement) *jen.Statement {
		if t.Named != "" || t.Kind == load.Int || t.Kind == load.Uint {
			return g.typeCode(t).Call(read)
		}
		return read
	}
	switch t.Kind {
	case load.Bool:
		b.Add(v).Op("=").Add(conv(jen.Id("d").Dot("Bool").Call()))
	case load.Uint:
		b.Add(v.Clone()).Op("=").Add(conv(jen.Id("d").Dot("Uint").Call(jen.Lit(t.Bits))))
		g.checkEnum(b, t, v)
	case load.Int:
		b.Add(v.Clone()).Op("=").Add(conv(jen.Id("d").Dot("Int").Call(jen.Lit(t.Bits))))
		g.checkEnum(b, t, v)
	case load.String:
		b.Add(v).Op("=").Add(conv(jen.Id("d").Dot("String").Call()))
	case load.Bytes:
		b.Add(v).Op("=").Id("d").Dot("Bytes").Call()
	case load.Struct:
		b.Add(mirror(t.Named, v)).Dot("Decode").Call(jen.Id("d"))
	case load.Slice:
		i := loopVar(depth)
		n := fmt.Sprintf("n%d", depth)
		b.If(jen.Id(n).Op(":=").Id("d").Dot("Len").Call(jen.Lit(g.minSize(t.Elem))), jen.Id(n).Op(">").Lit(0)).Block(
			v.Clone().Op("=").Make(g.typeCode(t), jen.Id(n)),
			jen.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
				g.decode(b, t.Elem, v.Clone().Index(jen.Id(i)), depth+1)
			}),
		)
	case load.Array:
		i := loopVar(depth)
		b.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
			g.decode(b, t.Elem, v.Clone().Index(jen.Id(i)), depth+1)
		})
	default:
		panic(fmt.Sprintf("emit: cannot decode %s", t.Desc))
	}
}

// checkEnum appends to b, when t is an enum, the statement that fails the
// decoder on a value of v that is none of the enum's constants.
func (g *gen) checkEnum(b *jen.Group, t *load.Type, v *jen.Statement) {
	e := g.p.EnumOf(t.Named)
	if e == nil {
		return
	}
	b.If(jen.Op("!").Id(enumValid(e)).Call(v.Clone())).Block(
		jen.Id("d").Dot("Fail").Call(jen.Qual("fmt", "Errorf").Call(
			jen.Lit(g.p.SpecName+"."+e.Name+" %d is none of its constants"), v.Clone())),
	)
}

// minSize is the fewest bytes an encoded value of t takes, at least 1, so
// that a decoder can refuse a length its input cannot hold.
func (g *gen) minSize(t *load.Type) int {
	n := g.minBytes(t, map[string]bool{})
	if n < 1 {
		n = 1
	}
	return n
}

func (g *gen) minBytes(t *load.Type, seen map[string]bool) int {
	switch t.Kind {
	case load.Array:
		return int(t.Len) * g.minBytes(t.Elem, seen)
	case load.Struct:
		if seen[t.Named] {
			return 0
		}
		seen[t.Named] = true
		defer delete(seen, t.Named)
		n := 0
		if s := g.structNamed(t.Named); s != nil {
			for _, fd := range s.Fields {
				n += g.minBytes(fd.Type, seen)
			}
		}
		return n
	}
	return 1
}

func (g *gen) genEqual(f *jen.File, s *ir.Struct) {
	f.Func().Params(jen.Id("m").Op("*").Id(s.Name)).Id("equal").Params(jen.Id("o").Op("*").Id(s.Name)).Bool().BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.equal(b, fd.Type, jen.Id("m").Dot(fd.Name), jen.Id("o").Dot(fd.Name), 0)
		}
		b.Return(jen.True())
	})
	f.Line()
}

// equal appends to b the statements that return false when x and y differ.
func (g *gen) equal(b *jen.Group, t *load.Type, x, y *jen.Statement, depth int) {
	switch t.Kind {
	case load.Bool, load.Uint, load.Int, load.String:
		b.If(x.Clone().Op("!=").Add(y.Clone())).Block(jen.Return(jen.False()))
	case load.Bytes:
		b.If(jen.Op("!").Qual("bytes", "Equal").Call(x, y)).Block(jen.Return(jen.False()))
	case load.Struct:
		b.If(jen.Op("!").Add(mirror(t.Named, x)).Dot("equal").Call(mirror(t.Named, y))).Block(jen.Return(jen.False()))
	case load.Slice, load.Array:
		if t.Kind == load.Slice {
			b.If(jen.Len(x.Clone()).Op("!=").Len(y.Clone())).Block(jen.Return(jen.False()))
		}
		i := loopVar(depth)
		b.For(jen.Id(i).Op(":=").Range().Add(x.Clone())).BlockFunc(func(b *jen.Group) {
			g.equal(b, t.Elem, x.Clone().Index(jen.Id(i)), y.Clone().Index(jen.Id(i)), depth+1)
		})
	default:
		panic(fmt.Sprintf("emit: cannot compare %s", t.Desc))
	}
}

func (g *gen) genDeepen(f *jen.File, s *ir.Struct) {
	f.Comment("deepen replaces every slice that m shares with a copy.")
	f.Func().Params(jen.Id("m").Op("*").Id(s.Name)).Id("deepen").Params().BlockFunc(func(b *jen.Group) {
		for _, fd := range s.Fields {
			g.deepen(b, fd.Type, jen.Id("m").Dot(fd.Name), 0)
		}
	})
	f.Line()
}

// deepen appends to b the statements that copy what v shares.
func (g *gen) deepen(b *jen.Group, t *load.Type, v *jen.Statement, depth int) {
	if !g.isDeep(t) {
		return
	}
	switch t.Kind {
	case load.Bytes:
		b.Add(v.Clone()).Op("=").Qual("bytes", "Clone").Call(v.Clone())
	case load.Struct:
		b.Add(mirror(t.Named, v)).Dot("deepen").Call()
	case load.Slice, load.Array:
		if t.Kind == load.Slice {
			b.Add(v.Clone()).Op("=").Qual("slices", "Clone").Call(v.Clone())
		}
		if g.isDeep(t.Elem) {
			i := loopVar(depth)
			b.For(jen.Id(i).Op(":=").Range().Add(v.Clone())).BlockFunc(func(b *jen.Group) {
				g.deepen(b, t.Elem, v.Clone().Index(jen.Id(i)), depth+1)
			})
		}
	}
}

func (g *gen) isDeep(t *load.Type) bool {
	switch t.Kind {
	case load.Bytes, load.Slice:
		return true
	case load.Array:
		return g.isDeep(t.Elem)
	case load.Struct:
		if s := g.structNamed(t.Named); s != nil {
			return s.Deep
		}
	}
	return false
}

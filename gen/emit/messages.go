package emit

import (
	"github.com/dave/jennifer/jen"
)

// genMessagesFile emits the message kind enum and the framing of a message
// on the wire: version byte, kind, body.
func (g *gen) genMessagesFile(f *jen.File) {
	g.genKind(f)
	g.genKindOf(f)
	g.genAppendMessage(f)
	g.genUnmarshalMessage(f)
	g.genEncodeEffects(f)
}

// genEncodeEffects emits EncodeEffects, which turns the effects of a step
// into route.Effects with their messages encoded, for route.Deliver.
func (g *gen) genEncodeEffects(f *jen.File) {
	f.Comment("EncodeEffects appends to out each effect of eff, in order, with its message")
	f.Comment("encoded by AppendMessage. The messages of one step share one new buffer, sized")
	f.Comment("by the last step's (out.Size), each capped at its length: they stay valid after")
	f.Comment("the next step, and the step costs one allocation, not one for each message. It")
	f.Comment("returns an error for a message that is not one of the spec's, which only a")
	f.Comment("broken rule emits.")
	f.Func().Id("EncodeEffects").Params(jen.Id("out").Op("*").Qual(routePath, "Out"), jen.Id("eff").Add(g.effectsType())).Error().Block(
		jen.If(jen.Len(jen.Id("eff").Dot("List")).Op("==").Lit(0)).Block(jen.Return(jen.Nil())),
		jen.Id("buf").Op(":=").Make(jen.Index().Byte(), jen.Lit(0), jen.Min(jen.Max(jen.Id("out").Dot("Size"), jen.Lit(256)), jen.Lit(1<<16))),
		jen.For(jen.Id("_").Op(",").Id("e").Op(":=").Range().Id("eff").Dot("List")).Block(
			jen.Id("start").Op(":=").Len(jen.Id("buf")),
			jen.Var().Err().Error(),
			jen.List(jen.Id("buf"), jen.Err()).Op("=").Id("AppendMessage").Call(jen.Id("buf"), jen.Id("e").Dot("Message")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Id("out").Dot("Effects").Op("=").Append(jen.Id("out").Dot("Effects"), jen.Qual(routePath, "Effect").Values(
				jen.Id("Kind").Op(":").Id("e").Dot("Kind"),
				jen.Id("To").Op(":").Int().Call(jen.Id("e").Dot("To")),
				jen.Id("Client").Op(":").Uint64().Call(jen.Id("e").Dot("Client")),
				jen.Id("Msg").Op(":").Id("buf").Index(jen.Id("start").Op(":").Len(jen.Id("buf")).Op(":").Len(jen.Id("buf"))),
			)),
		),
		jen.Id("out").Dot("Size").Op("=").Len(jen.Id("buf")),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

func (g *gen) genKind(f *jen.File) {
	f.Comment("Kind identifies a message type of the spec on the wire. The zero Kind is")
	f.Comment("no message.")
	f.Type().Id("Kind").Uint8()
	f.Line()
	f.Const().DefsFunc(func(d *jen.Group) {
		for i, m := range g.p.Messages {
			if i == 0 {
				d.Id("Kind" + m.Name).Id("Kind").Op("=").Iota().Op("+").Lit(1)
			} else {
				d.Id("Kind" + m.Name)
			}
		}
	})
	f.Line()
	f.Func().Params(jen.Id("k").Id("Kind")).Id("String").Params().String().Block(
		jen.Switch(jen.Id("k")).BlockFunc(func(s *jen.Group) {
			for _, m := range g.p.Messages {
				s.Case(jen.Id("Kind" + m.Name)).Block(jen.Return(jen.Lit(m.Name)))
			}
		}),
		jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("Kind(%d)"), jen.Uint8().Call(jen.Id("k")))),
	)
	f.Line()
}

// genKindOf emits KindOf, which accepts a message as a value or a pointer.
func (g *gen) genKindOf(f *jen.File) {
	f.Comment("KindOf returns the kind of message m, a value or a pointer of a message")
	f.Comment("type of the spec, and 0 for anything else.")
	f.Func().Id("KindOf").Params(jen.Id("m").Any()).Id("Kind").Block(
		jen.Switch(jen.Id("m").Assert(jen.Type())).BlockFunc(func(s *jen.Group) {
			for _, m := range g.p.Messages {
				s.Case(g.spec(m.Name), jen.Op("*").Add(g.spec(m.Name))).Block(jen.Return(jen.Id("Kind" + m.Name)))
			}
		}),
		jen.Return(jen.Lit(0)),
	)
	f.Line()
}

func (g *gen) genAppendMessage(f *jen.File) {
	f.Comment("AppendMessage appends to b the version byte, the kind and the encoding of")
	f.Comment("message m, a value or a pointer of a message type of the spec.")
	f.Func().Id("AppendMessage").Params(jen.Id("b").Index().Byte(), jen.Id("m").Any()).Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Switch(jen.Id("m").Op(":=").Id("m").Assert(jen.Type())).BlockFunc(func(s *jen.Group) {
			for _, m := range g.p.Messages {
				frame := jen.Append(jen.Id("b"), jen.Qual(wirePath, "Version"), jen.Byte().Call(jen.Id("Kind"+m.Name)))
				s.Case(g.spec(m.Name)).Block(
					jen.Return(jen.Parens(jen.Op("*").Id(m.Name)).Call(jen.Op("&").Id("m")).Dot("appendBody").Call(frame.Clone()), jen.Nil()),
				)
				s.Case(jen.Op("*").Add(g.spec(m.Name))).Block(
					jen.Return(jen.Parens(jen.Op("*").Id(m.Name)).Call(jen.Id("m")).Dot("appendBody").Call(frame), jen.Nil()),
				)
			}
		}),
		jen.Return(jen.Id("b"), jen.Qual("fmt", "Errorf").Call(jen.Lit("append message: %T is not a message of the spec"), jen.Id("m"))),
	)
	f.Line()
}

func (g *gen) genUnmarshalMessage(f *jen.File) {
	f.Comment("UnmarshalMessage decodes what AppendMessage encoded and returns the message")
	f.Comment("as a value of its spec type; its byte slices are copies. It returns an error")
	f.Comment("on any malformed input and never panics.")
	f.Func().Id("UnmarshalMessage").Params(jen.Id("b").Index().Byte()).Params(jen.Any(), jen.Error()).Block(
		jen.Return(jen.Id("unmarshalMessage").Call(jen.Qual(wirePath, "NewDecoder").Call(jen.Id("b")))),
	)
	f.Line()
	f.Comment("UnmarshalMessageShared is UnmarshalMessage for a caller that hands b over: the")
	f.Comment("message's byte slices share b's memory, so that a batch of requests costs no")
	f.Comment("copy of each, and neither b nor the message may change afterwards.")
	f.Func().Id("UnmarshalMessageShared").Params(jen.Id("b").Index().Byte()).Params(jen.Any(), jen.Error()).Block(
		jen.Return(jen.Id("unmarshalMessage").Call(jen.Qual(wirePath, "NewAliasDecoder").Call(jen.Id("b")))),
	)
	f.Line()
	f.Func().Id("unmarshalMessage").Params(jen.Id("d").Qual(wirePath, "Decoder")).Params(jen.Any(), jen.Error()).Block(
		jen.Id("d").Dot("Version").Call(),
		jen.Id("k").Op(":=").Id("Kind").Call(jen.Id("d").Dot("Uint").Call(jen.Lit(8))),
		jen.Var().Id("m").Any(),
		jen.Switch(jen.Id("k")).BlockFunc(func(s *jen.Group) {
			for _, m := range g.p.Messages {
				s.Case(jen.Id("Kind"+m.Name)).Block(
					jen.Var().Id("v").Add(g.spec(m.Name)),
					jen.Parens(jen.Op("*").Id(m.Name)).Call(jen.Op("&").Id("v")).Dot("Decode").Call(jen.Op("&").Id("d")),
					jen.Id("m").Op("=").Id("v"),
				)
			}
			s.Default().Block(
				jen.If(jen.Id("d").Dot("Err").Call().Op("==").Nil()).Block(
					jen.Id("d").Dot("Fail").Call(jen.Qual("fmt", "Errorf").Call(jen.Lit("unknown message kind %d"), jen.Uint8().Call(jen.Id("k")))),
				),
			)
		}),
		jen.Id("d").Dot("End").Call(),
		jen.If(jen.Err().Op(":=").Id("d").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("decode message: %w"), jen.Err())),
		),
		jen.Return(jen.Id("m"), jen.Nil()),
	)
	f.Line()
}

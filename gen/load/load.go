// Package load is the first stage of vsrgen: it reads a spec package with
// golang.org/x/tools/go/packages and go/types and turns it into a plain
// model, where every element keeps its file:line. Nothing after this stage
// knows how the spec was read; the checks of meaning are the ir stage's.
package load

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// LangPath is the import path of the description language's vocabulary.
const LangPath = "github.com/viewstamped/vsr/lang"

// Pos is a position in the spec: a file relative to the module root and a
// line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Error is a problem with the spec at a position, found by one stage.
type Error struct {
	Pos   Pos
	Stage string
	Msg   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: vsrgen: %s: %s", e.Pos, e.Stage, e.Msg)
}

// Errors is a list of errors, in spec order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Sort orders es by position, keeping the order of errors at one position.
func (es Errors) Sort() {
	sort.SliceStable(es, func(i, j int) bool { return lessPos(es[i].Pos, es[j].Pos) })
}

// TypeKind classifies a type that may appear in a message or the state.
type TypeKind uint8

const (
	Bool TypeKind = iota + 1
	Int
	Uint
	String
	Bytes
	Slice
	Array
	Struct      // a struct type declared in the spec, by name
	Unsupported // anything else; Desc says what
)

// Type is the type of a field.
type Type struct {
	Kind  TypeKind
	Bits  int    // Int, Uint
	Named string // the spec type's name, for a named integer, bool, string or a Struct
	Elem  *Type  // Slice, Array
	Len   int64  // Array
	Desc  string // the type as written, for messages
}

// Field is a field of a struct.
type Field struct {
	Name string
	Pos  Pos
	Type *Type
	// Value marks a field tagged vsr:"value": it holds a value that
	// clients submit, interchangeable with the other values for the
	// model checker's symmetry reduction.
	Value bool
}

// Decl is a type declared in the spec.
type Decl struct {
	Name   string
	Pos    Pos
	Marker string   // the vsr: marker without the prefix, or ""
	Args   string   // what follows the marker
	Struct bool     // the underlying type is a struct
	Fields []*Field // when Struct
	Type   *Type    // when not a struct: the underlying type
	Guard  *Func    // for rules
	Apply  *Func    // for rules
	Writes []Write  // for rules: places where Guard writes its arguments
	// Consts are the constants of a named integer type that the spec
	// declares with iota, in source order: the values of an enum.
	Consts []*Const
}

// Const is a constant of a named integer type of the spec.
type Const struct {
	Name  string
	Pos   Pos
	Value string // the exact value, in decimal
}

// Ref is a type in a signature.
type Ref struct {
	Pointer bool
	Slice   bool
	Pkg     string // import path of a named type, "" for a predeclared one
	Name    string
	Args    []*Ref // type arguments of a generic instance
	Desc    string // as written in the spec
}

// Func is a function or method signature.
type Func struct {
	Pos     Pos
	Params  []*Ref
	Results []*Ref
}

// Write is a guard's assignment to state or to the triggering event.
type Write struct {
	Pos  Pos
	Expr string
}

// MarkedFunc is a function marked //vsr:invariant, //vsr:action (a
// predicate over one step), //vsr:client (how a client makes a request) or
// //vsr:reconfigure (how the administrator makes a reconfiguration).
type MarkedFunc struct {
	Name   string
	Pos    Pos
	Marker string
	Func   *Func
}

// Spec is what load read.
type Spec struct {
	PkgPath   string
	PkgName   string
	Module    string // module path
	ModuleDir string
	Decls     []*Decl // in source order (files by name, then position)
	Funcs     []*MarkedFunc
}

// Load reads the spec package in dir.
func Load(dir string) (*Spec, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("load spec %s: %w", dir, err)
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule,
		Dir: abs,
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("load spec %s: %w", dir, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("load spec %s: %d packages, want 1", dir, len(pkgs))
	}
	pkg := pkgs[0]
	l := &loader{pkg: pkg, fset: pkg.Fset, root: abs}
	if pkg.Module != nil {
		l.root = pkg.Module.Dir
	}
	if len(pkg.Errors) > 0 {
		l.packageErrors(pkg.Errors)
		return nil, l.errs
	}
	spec := &Spec{PkgPath: pkg.PkgPath, PkgName: pkg.Name, ModuleDir: l.root}
	if pkg.Module != nil {
		spec.Module = pkg.Module.Path
	}
	l.read(spec)
	if len(l.errs) > 0 {
		l.errs.Sort()
		return nil, l.errs
	}
	return spec, nil
}

type loader struct {
	pkg  *packages.Package
	fset *token.FileSet
	root string
	errs Errors
}

func (l *loader) pos(p token.Pos) Pos {
	position := l.fset.Position(p)
	file := position.Filename
	if rel, err := filepath.Rel(l.root, file); err == nil {
		file = filepath.ToSlash(rel)
	}
	return Pos{File: file, Line: position.Line}
}

func (l *loader) errorf(p token.Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: l.pos(p), Stage: "load", Msg: fmt.Sprintf(format, args...)})
}

// packageErrors records the errors go/packages found, one line per
// problem, sorted by position. The go command also reports the compiler's
// output as one error without a position, which repeats the type checker's
// errors: it is dropped when errors with a position are there. A type
// checker's continuation ("\tother declaration of X") joins the error it
// continues.
func (l *loader) packageErrors(errs []packages.Error) {
	positioned := false
	for _, e := range errs {
		positioned = positioned || e.Pos != ""
	}
	for _, e := range errs {
		if e.Pos == "" && positioned {
			continue
		}
		err := l.packageError(e)
		if more, ok := strings.CutPrefix(e.Msg, "\t"); ok && len(l.errs) > 0 {
			last := l.errs[len(l.errs)-1]
			last.Msg += fmt.Sprintf("; %s at %s", more, err.Pos)
			continue
		}
		l.errs = append(l.errs, err)
	}
	l.errs.Sort()
}

// packageError turns a go/packages error ("file:line:col: msg") into an
// Error with the files relative to the module root.
func (l *loader) packageError(e packages.Error) *Error {
	pos := Pos{File: "?"}
	if parts := strings.SplitN(e.Pos, ":", 3); len(parts) >= 2 {
		file := parts[0]
		if rel, err := filepath.Rel(l.root, file); err == nil {
			file = filepath.ToSlash(rel)
		}
		pos.File = file
		fmt.Sscan(parts[1], &pos.Line)
	}
	// The type checker names other positions by absolute path; make them
	// relative to the module root like every other position.
	msg := strings.ReplaceAll(e.Msg, l.root+string(filepath.Separator), "")
	return &Error{Pos: pos, Stage: "load", Msg: msg}
}

func lessPos(a, b Pos) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	return a.Line < b.Line
}

// read walks the files in name order and the declarations in source order.
func (l *loader) read(spec *Spec) {
	files := append([]*ast.File(nil), l.pkg.Syntax...)
	sort.Slice(files, func(i, j int) bool {
		return l.fset.Position(files[i].Pos()).Filename < l.fset.Position(files[j].Pos()).Filename
	})
	var consts []*types.Const
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok == token.CONST {
					consts = append(consts, l.constants(d)...)
				}
				if d.Tok != token.TYPE {
					l.strayMarkers(d.Doc)
					continue
				}
				for _, s := range d.Specs {
					ts := s.(*ast.TypeSpec)
					doc := ts.Doc
					if doc == nil && len(d.Specs) == 1 {
						doc = d.Doc
					}
					if decl := l.typeDecl(ts, doc); decl != nil {
						spec.Decls = append(spec.Decls, decl)
					}
				}
			case *ast.FuncDecl:
				marker, _, p, ok := l.marker(d.Doc)
				if !ok {
					continue
				}
				if marker != "invariant" && marker != "action" && marker != "client" && marker != "reconfigure" || d.Recv != nil {
					l.errorf(p, "marker //vsr:%s does not apply to a function", marker)
					continue
				}
				obj := l.pkg.TypesInfo.Defs[d.Name].(*types.Func)
				spec.Funcs = append(spec.Funcs, &MarkedFunc{
					Name: d.Name.Name, Pos: l.pos(d.Name.Pos()), Marker: marker,
					Func: l.signature(obj.Type().(*types.Signature), d.Name.Pos()),
				})
			}
		}
	}
	l.attachConsts(spec, consts)
}

// constants returns the constants that a const declaration declares with
// iota, the way Go declares an enum's values; a constant declared alone,
// such as a particular replica index, does not make its type an enum.
func (l *loader) constants(d *ast.GenDecl) []*types.Const {
	usesIota := false
	ast.Inspect(d, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "iota" && l.pkg.TypesInfo.Uses[id] == types.Universe.Lookup("iota") {
			usesIota = true
		}
		return !usesIota
	})
	if !usesIota {
		return nil
	}
	var out []*types.Const
	for _, s := range d.Specs {
		for _, name := range s.(*ast.ValueSpec).Names {
			if c, ok := l.pkg.TypesInfo.Defs[name].(*types.Const); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// attachConsts gives each named integer type of the spec the constants of
// that type, in source order.
func (l *loader) attachConsts(spec *Spec, consts []*types.Const) {
	decls := map[*types.TypeName]*Decl{}
	for _, d := range spec.Decls {
		if obj, ok := l.pkg.Types.Scope().Lookup(d.Name).(*types.TypeName); ok {
			decls[obj] = d
		}
	}
	for _, c := range consts {
		named, ok := types.Unalias(c.Type()).(*types.Named)
		if !ok || c.Val().Kind() != constant.Int {
			continue
		}
		if d := decls[named.Obj()]; d != nil && d.Type != nil && (d.Type.Kind == Int || d.Type.Kind == Uint) {
			d.Consts = append(d.Consts, &Const{Name: c.Name(), Pos: l.pos(c.Pos()), Value: c.Val().ExactString()})
		}
	}
}

var markers = map[string]bool{
	"state": true, "message": true, "request": true, "reply": true,
	"timeout": true, "config": true, "rule": true, "invariant": true, "action": true,
	"client": true, "reconfigure": true,
}

// marker returns the vsr: marker in doc, its arguments and position. An
// unknown marker or a second one is an error.
func (l *loader) marker(doc *ast.CommentGroup) (name, args string, pos token.Pos, ok bool) {
	if doc == nil {
		return "", "", token.NoPos, false
	}
	for _, c := range doc.List {
		text, found := strings.CutPrefix(c.Text, "//vsr:")
		if !found {
			continue
		}
		n, a, _ := strings.Cut(text, " ")
		switch {
		case !markers[n]:
			l.errorf(c.Pos(), "unknown marker //vsr:%s", n)
		case ok:
			l.errorf(c.Pos(), "second marker //vsr:%s after //vsr:%s; a declaration takes one", n, name)
		default:
			name, args, pos, ok = n, strings.TrimSpace(a), c.Pos(), true
		}
	}
	return name, args, pos, ok
}

func (l *loader) strayMarkers(doc *ast.CommentGroup) {
	if marker, _, p, ok := l.marker(doc); ok {
		l.errorf(p, "marker //vsr:%s applies to a type declaration", marker)
	}
}

func (l *loader) typeDecl(ts *ast.TypeSpec, doc *ast.CommentGroup) *Decl {
	obj, _ := l.pkg.TypesInfo.Defs[ts.Name].(*types.TypeName)
	if obj == nil {
		return nil
	}
	marker, args, _, _ := l.marker(doc)
	if marker == "invariant" || marker == "action" || marker == "client" || marker == "reconfigure" {
		l.errorf(ts.Name.Pos(), "marker //vsr:%s applies to a function, not type %s", marker, ts.Name.Name)
		return nil
	}
	decl := &Decl{Name: ts.Name.Name, Pos: l.pos(ts.Name.Pos()), Marker: marker, Args: args}
	if ts.Assign.IsValid() || ts.TypeParams != nil {
		if marker != "" {
			l.errorf(ts.Name.Pos(), "type %s: a marked type must be a plain type declaration, not an alias or generic", ts.Name.Name)
		}
		return nil
	}
	under := obj.Type().Underlying()
	if st, ok := under.(*types.Struct); ok {
		decl.Struct = true
		for i := 0; i < st.NumFields(); i++ {
			f := st.Field(i)
			decl.Fields = append(decl.Fields, &Field{
				Name: f.Name(), Pos: l.pos(f.Pos()), Type: l.fieldType(f.Type()),
				Value: reflect.StructTag(st.Tag(i)).Get("vsr") == "value",
			})
		}
	} else {
		decl.Type = l.fieldType(under)
	}
	if marker == "rule" {
		l.ruleMethods(decl, obj)
	}
	return decl
}

// fieldType describes t as a field type. Unsupported types are described
// too; the ir stage reports them where they are used.
func (l *loader) fieldType(t types.Type) *Type {
	desc := types.TypeString(t, types.RelativeTo(l.pkg.Types))
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return basicType(t, desc)
	case *types.Named:
		if t.Obj().Pkg() != l.pkg.Types || t.TypeArgs().Len() > 0 {
			return &Type{Kind: Unsupported, Desc: desc}
		}
		if _, ok := t.Underlying().(*types.Struct); ok {
			return &Type{Kind: Struct, Named: t.Obj().Name(), Desc: desc}
		}
		under := l.fieldType(t.Underlying())
		switch under.Kind {
		case Bool, Int, Uint, String:
			under.Named = t.Obj().Name()
			under.Desc = desc
			return under
		}
		return &Type{Kind: Unsupported, Desc: desc}
	case *types.Slice:
		if b, ok := types.Unalias(t.Elem()).(*types.Basic); ok && b.Kind() == types.Uint8 {
			return &Type{Kind: Bytes, Desc: desc}
		}
		return &Type{Kind: Slice, Elem: l.fieldType(t.Elem()), Desc: desc}
	case *types.Array:
		return &Type{Kind: Array, Elem: l.fieldType(t.Elem()), Len: t.Len(), Desc: desc}
	}
	return &Type{Kind: Unsupported, Desc: desc}
}

func basicType(t *types.Basic, desc string) *Type {
	switch t.Kind() {
	case types.Bool:
		return &Type{Kind: Bool, Desc: desc}
	case types.String:
		return &Type{Kind: String, Desc: desc}
	case types.Int8:
		return &Type{Kind: Int, Bits: 8, Desc: desc}
	case types.Int16:
		return &Type{Kind: Int, Bits: 16, Desc: desc}
	case types.Int32:
		return &Type{Kind: Int, Bits: 32, Desc: desc}
	case types.Int64:
		return &Type{Kind: Int, Bits: 64, Desc: desc}
	case types.Uint8:
		return &Type{Kind: Uint, Bits: 8, Desc: desc}
	case types.Uint16:
		return &Type{Kind: Uint, Bits: 16, Desc: desc}
	case types.Uint32:
		return &Type{Kind: Uint, Bits: 32, Desc: desc}
	case types.Uint64:
		return &Type{Kind: Uint, Bits: 64, Desc: desc}
	}
	return &Type{Kind: Unsupported, Desc: desc}
}

// ruleMethods reads the Guard and Apply methods of a rule type and finds
// the places where Guard writes its arguments.
func (l *loader) ruleMethods(decl *Decl, obj *types.TypeName) {
	mset := types.NewMethodSet(types.NewPointer(obj.Type()))
	for _, name := range []string{"Guard", "Apply"} {
		sel := mset.Lookup(l.pkg.Types, name)
		if sel == nil {
			continue
		}
		fn := sel.Obj().(*types.Func)
		f := l.signature(fn.Type().(*types.Signature), fn.Pos())
		if name == "Guard" {
			decl.Guard = f
			decl.Writes = l.guardWrites(fn)
		} else {
			decl.Apply = f
		}
	}
}

func (l *loader) signature(sig *types.Signature, pos token.Pos) *Func {
	f := &Func{Pos: l.pos(pos)}
	for i := 0; i < sig.Params().Len(); i++ {
		f.Params = append(f.Params, l.ref(sig.Params().At(i).Type()))
	}
	for i := 0; i < sig.Results().Len(); i++ {
		f.Results = append(f.Results, l.ref(sig.Results().At(i).Type()))
	}
	return f
}

func (l *loader) ref(t types.Type) *Ref {
	r := &Ref{Desc: types.TypeString(t, types.RelativeTo(l.pkg.Types))}
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		r.Pointer = true
		t = types.Unalias(p.Elem())
	} else if s, ok := t.(*types.Slice); ok {
		r.Slice = true
		t = types.Unalias(s.Elem())
	}
	switch t := t.(type) {
	case *types.Named:
		r.Name = t.Obj().Name()
		if t.Obj().Pkg() != nil {
			r.Pkg = t.Obj().Pkg().Path()
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			r.Args = append(r.Args, l.ref(t.TypeArgs().At(i)))
		}
	case *types.Basic:
		r.Name = t.Name()
	}
	return r
}

// guardWrites finds assignments, increments and clear/copy calls in a
// guard whose target is rooted at one of the guard's parameters.
func (l *loader) guardWrites(fn *types.Func) []Write {
	decl := l.funcDecl(fn)
	if decl == nil || decl.Body == nil {
		return nil
	}
	params := map[types.Object]bool{}
	for _, field := range decl.Type.Params.List {
		for _, name := range field.Names {
			params[l.pkg.TypesInfo.Defs[name]] = true
		}
	}
	var writes []Write
	check := func(e ast.Expr) {
		if id := rootIdent(e); id != nil && params[l.pkg.TypesInfo.Uses[id]] {
			writes = append(writes, Write{Pos: l.pos(e.Pos()), Expr: types.ExprString(e)})
		}
	}
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, e := range n.Lhs {
					check(e)
				}
			}
		case *ast.IncDecStmt:
			check(n.X)
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "clear" || id.Name == "copy") && len(n.Args) > 0 {
				if _, builtin := l.pkg.TypesInfo.Uses[id].(*types.Builtin); builtin {
					check(n.Args[0])
				}
			}
		}
		return true
	})
	return writes
}

// rootIdent returns the variable at the root of a selector, index or
// dereference chain, or nil.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

func (l *loader) funcDecl(fn *types.Func) *ast.FuncDecl {
	for _, f := range l.pkg.Syntax {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && l.pkg.TypesInfo.Defs[fd.Name] == fn {
				return fd
			}
		}
	}
	return nil
}

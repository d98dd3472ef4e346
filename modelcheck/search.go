package modelcheck

import (
	"bytes"
	"errors"

	"fmt"
	"math/rand/v2"
	"time"

	"github.com/viewstamped/vsr/modelcheck/model"

	"github.com/viewstamped/vsr/wire"
)

// dfs explores depth first up to Options.Depth, remembering fingerprints:
// memory is the fingerprint set and one path of states with their
// successors.
func (c *checker[R]) dfs() (*Result, error) {
	res, initState, err := c.begin(DFS)
	if err != nil || initState == nil {
		return res, err
	}
	res.Complete = true
	var scr scratch[R]
	type frame struct {
		state []byte
		next  []child // the successors not yet explored
		ords  []uint32
	}
	var stack []frame
	var ords []uint32 // the ordinals of the path to the top of the stack
	var buf []byte
	expand := func(state []byte) (frame, *found, error) {
		fr := frame{state: state}
		f, err := c.visit(state, &scr, &buf, res.Fired, func(b []byte, ord uint32) {
			res.Distinct++
			fr.next = append(fr.next, child{state: bytes.Clone(b), ordinal: ord})
		})
		return fr, f, err
	}
	fr, f, err := expand(initState)
	if err != nil {
		return nil, err
	}
	stack = append(stack, fr)
	for len(stack) > 0 && f == nil {
		res.Depth = max(res.Depth, len(stack)-1)
		top := &stack[len(stack)-1]
		if len(top.next) == 0 || len(stack) > c.opts.Depth {
			if len(top.next) > 0 {
				res.Complete = false
			}
			stack = stack[:len(stack)-1]
			if len(ords) > 0 {
				ords = ords[:len(ords)-1]
			}
			continue
		}
		ch := top.next[0]
		top.next = top.next[1:]
		if c.limited(res.Distinct) {
			res.Complete = false
			break
		}
		var nfr frame
		nfr, f, err = expand(ch.state)
		if err != nil {
			return nil, err
		}
		ords = append(ords, ch.ordinal)
		stack = append(stack, nfr)
	}
	if f != nil {
		res.Complete = false
		res.Violation, err = c.violation(f.kind, f.err, ords, f.ordinal)
		if err != nil {
			return nil, err
		}
	}
	return c.finish(res), nil
}

// child is a successor waiting on the DFS stack.
type child struct {
	state   []byte
	ordinal uint32
}

// walks runs seeded random walks until a violation, Options.Walks walks or
// a limit. Walk k uses the seed splitmix(Seed, k); the result reports the
// seed of the walk that found a violation, and passing that seed with
// Walks 1 replays the walk.
func (c *checker[R]) walks() (*Result, error) {
	c.start = time.Now()
	res := &Result{Mode: Walk, Fired: make([]uint64, c.maxRule), Rules: ruleNames(c.p)}
	type option struct {
		w     *world[R]
		ord   uint32
		fired model.Fired
	}
	for k := 0; c.opts.Walks == 0 || k < c.opts.Walks; k++ {
		seed := c.opts.Seed
		if c.opts.Walks != 1 {
			seed = splitmix(c.opts.Seed, uint64(k))
		}
		if k == 0 {
			res.Seed = seed
		}
		res.Walks = k + 1
		rng := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
		w := c.init
		var ords []uint32
		if err := c.invariants(w); err != nil {
			res.Violation = &Violation{Kind: "invariant", Err: err}
			return c.finish(res), nil
		}
		for depth := 0; depth < c.opts.Depth; depth++ {
			var opts []option
			var ord uint32
			_, err := c.successors(w, nil, func(next *world[R], act *action) bool {
				ord++
				opts = append(opts, option{next, ord, act.fired})
				return true
			})
			if err != nil {
				var ae *actionError
				if !errors.As(err, &ae) {
					return nil, err
				}
				return c.walkViolation(res, seed, "action", ae.err, ords, ord+1)
			}
			if len(opts) == 0 {
				if c.opts.Deadlock {
					return c.walkViolation(res, seed, "deadlock", errors.New("no action is enabled"), ords, 0)
				}
				break
			}
			pick := opts[rng.IntN(len(opts))]
			c.gen.Add(1)
			res.Fired[pick.fired.Rule]++
			if pick.fired.Quorum != 0 {
				res.Fired[pick.fired.Quorum]++
			}
			res.Distinct++
			b, err := c.canonical(pick.w)
			if err != nil {
				return nil, err
			}
			c.set.insert(wire.Fingerprint(b))
			if err := c.invariants(pick.w); err != nil {
				return c.walkViolation(res, seed, "invariant", err, ords, pick.ord)
			}
			ords = append(ords, pick.ord)
			if w, err = c.decode(b); err != nil {
				return nil, err
			}
			res.Depth = max(res.Depth, depth+1)
		}
		res.LastWalk, res.LastSeed = Path{ords: ords}, seed
		if c.limited(uint64(c.set.len())) {
			break
		}
	}
	res.Distinct = uint64(c.set.len())
	return c.finish(res), nil
}

func (c *checker[R]) walkViolation(res *Result, seed uint64, kind string, err error, ords []uint32, last uint32) (*Result, error) {
	res.Seed = seed
	res.Distinct = uint64(c.set.len())
	var rerr error
	res.Violation, rerr = c.violation(kind, err, ords, last)
	if rerr != nil {
		return nil, fmt.Errorf("replay the walk of seed %d: %w", seed, rerr)
	}
	return c.finish(res), nil
}

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

// dfs explores depth first every state within Options.Depth steps of the
// initial state, remembering fingerprints with the fewest steps at which
// it reached each: a state reached again in fewer steps is explored again,
// so that the search reaches every state within the bound, and counts the
// same states as breadth-first search with that bound. Memory is the
// fingerprint set and one path of states with their successors.
func (c *checker[R]) dfs() (*Result, error) {
	res, initState, err := c.begin(DFS)
	if err != nil || initState == nil {
		return res, err
	}
	res.Complete = true
	res.Distinct = 1
	stopProgress := c.progress(func() string {
		return fmt.Sprintf("depth-first: %d generated, %d distinct, path of %d steps", c.gen.Load(), c.set.len(), c.pathLen.Load())
	})
	defer stopProgress()
	var scr scratch[R]
	type frame struct {
		state []byte
		next  []child // the successors not yet explored
	}
	var stack []frame
	var ords []uint32 // the ordinals of the path to the top of the stack
	var buf []byte
	cut := false // a state at the bound was reached, and not explored
	// expand generates the successors of state, d steps from the initial
	// state, and keeps those to explore from.
	expand := func(state []byte, d int) (frame, *found, error) {
		fr := frame{state: state}
		admit := func(fp uint64) (bool, bool) {
			isNew, explore := c.set.reach(fp, uint16(d+1))
			if isNew {
				res.Distinct++
			}
			if explore && d+1 >= c.opts.Depth {
				cut, explore = true, false
			}
			return isNew, explore
		}
		f, err := c.visit(state, &scr, &buf, res.Fired, admit, func(b []byte, ord uint32) {
			fr.next = append(fr.next, child{state: bytes.Clone(b), ordinal: ord})
		})
		return fr, f, err
	}
	fr, f, err := expand(initState, 0)
	if err != nil {
		return nil, err
	}
	stack = append(stack, fr)
	for len(stack) > 0 && f == nil {
		top := &stack[len(stack)-1]
		if len(top.next) == 0 {
			stack = stack[:len(stack)-1]
			if len(ords) > 0 {
				ords = ords[:len(ords)-1]
			}
			continue
		}
		ch := top.next[0]
		top.next = top.next[1:]
		if c.stop.Load() || c.limited(res.Distinct) {
			res.Complete = false
			break
		}
		var nfr frame
		nfr, f, err = expand(ch.state, len(stack))
		if err != nil {
			return nil, err
		}
		ords = append(ords, ch.ordinal)
		stack = append(stack, nfr)
		c.pathLen.Store(int64(len(ords)))
	}
	if f != nil {
		res.Complete = false
		res.Violation, err = c.violation(f.kind, f.err, ords, f.ordinal)
		if err != nil {
			return nil, err
		}
	} else if cut && res.Complete {
		res.Complete, res.DepthBound = false, c.opts.Depth
	}
	if res.Violation == nil {
		res.Depth = c.set.maxDepth()
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
	stopProgress := c.progress(func() string {
		return fmt.Sprintf("walk %d: %d generated, %d distinct", c.walksRun.Load(), c.gen.Load(), c.set.len())
	})
	defer stopProgress()
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
		c.walksRun.Store(int64(k + 1))
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
		if c.stop.Load() || c.limited(uint64(c.set.len())) {
			break
		}
	}
	res.Distinct = uint64(c.set.len())
	if c.opts.Walks > 0 && res.Walks == c.opts.Walks {
		c.stopped(fmt.Sprintf("after %d random walks (-walks)", res.Walks))
	}
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

package modelcheck

import (
	"math/bits"
	"sync"
)

// fpShards is the number of independently locked shards of a fingerprint
// set; with a few workers, contention on one shard is rare.
const fpShards = 256

// fpSet is a set of 64-bit fingerprints: open addressing with linear
// probing in 256 shards. A shard grows by half when three quarters full,
// so its load stays between one half and three quarters and a fingerprint
// takes between 10.7 and 16 bytes. Slots are found by multiplying, not
// masking, so that table sizes need not be powers of two.
//
// A set made with depths (depth-first search) also keeps, for every
// fingerprint, the fewest steps from the initial state at which the search
// has reached its state: two bytes more a slot.
type fpSet struct {
	shards [fpShards]fpShard
}

type fpShard struct {
	mu    sync.Mutex
	table []uint64 // 0 marks an empty slot
	depth []uint16 // beside table, when the set keeps depths
	n     int
}

func newFPSet() *fpSet {
	s := &fpSet{}
	for i := range s.shards {
		s.shards[i].table = make([]uint64, 64)
	}
	return s
}

// newDepthSet returns a set that keeps depths.
func newDepthSet() *fpSet {
	s := newFPSet()
	for i := range s.shards {
		s.shards[i].depth = make([]uint16, 64)
	}
	return s
}

// reach records that the search reached fp's state in d steps, in a set
// that keeps depths. It reports whether the state is new, and whether the
// search must explore it from here: when it is new, or was reached before
// only in more steps.
func (s *fpSet) reach(fp uint64, d uint16) (isNew, explore bool) {
	if fp == 0 {
		fp = 1
	}
	sh := &s.shards[fp>>56]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, stored := sh.slot(fp)
	if stored {
		sh.depth[i] = d
		sh.n++
		if sh.n*4 > len(sh.table)*3 {
			sh.grow()
		}
		return true, true
	}
	if d < sh.depth[i] {
		sh.depth[i] = d
		return false, true
	}
	return false, false
}

// insert adds fp and reports whether it was new.
func (s *fpSet) insert(fp uint64) bool {
	if fp == 0 {
		fp = 1 // 0 marks an empty slot
	}
	sh := &s.shards[fp>>56]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if !sh.put(fp) {
		return false
	}
	sh.n++
	if sh.n*4 > len(sh.table)*3 {
		sh.grow()
	}
	return true
}

// put stores fp unless it is there, and reports whether it was stored.
func (sh *fpShard) put(fp uint64) bool {
	_, stored := sh.slot(fp)
	return stored
}

// slot returns fp's slot, storing fp there unless it is there already, and
// whether it stored it.
func (sh *fpShard) slot(fp uint64) (int, bool) {
	// The top byte chose the shard; the rest chooses the slot.
	i, _ := bits.Mul64(fp<<8, uint64(len(sh.table)))
	for {
		switch sh.table[i] {
		case 0:
			sh.table[i] = fp
			return int(i), true
		case fp:
			return int(i), false
		}
		if i++; i == uint64(len(sh.table)) {
			i = 0
		}
	}
}

func (sh *fpShard) grow() {
	old, oldDepth := sh.table, sh.depth
	sh.table = make([]uint64, len(old)+len(old)/2)
	if oldDepth != nil {
		sh.depth = make([]uint16, len(sh.table))
	}
	for j, fp := range old {
		if fp != 0 {
			i, _ := sh.slot(fp)
			if oldDepth != nil {
				sh.depth[i] = oldDepth[j]
			}
		}
	}
}

// maxDepth returns the most steps from the initial state that any state of
// a set that keeps depths needs.
func (s *fpSet) maxDepth() int {
	d := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for j, fp := range sh.table {
			if fp != 0 {
				d = max(d, int(sh.depth[j]))
			}
		}
		sh.mu.Unlock()
	}
	return d
}

// len returns the number of fingerprints in s.
func (s *fpSet) len() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += s.shards[i].n
		s.shards[i].mu.Unlock()
	}
	return n
}

// bytes returns the memory the tables take.
func (s *fpSet) bytes() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += 8*len(s.shards[i].table) + 2*len(s.shards[i].depth)
		s.shards[i].mu.Unlock()
	}
	return n
}

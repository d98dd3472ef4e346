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
type fpSet struct {
	shards [fpShards]fpShard
}

type fpShard struct {
	mu    sync.Mutex
	table []uint64 // 0 marks an empty slot
	n     int
}

func newFPSet() *fpSet {
	s := &fpSet{}
	for i := range s.shards {
		s.shards[i].table = make([]uint64, 64)
	}
	return s
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
	// The top byte chose the shard; the rest chooses the slot.
	i, _ := bits.Mul64(fp<<8, uint64(len(sh.table)))
	for {
		switch sh.table[i] {
		case 0:
			sh.table[i] = fp
			return true
		case fp:
			return false
		}
		if i++; i == uint64(len(sh.table)) {
			i = 0
		}
	}
}

func (sh *fpShard) grow() {
	old := sh.table
	sh.table = make([]uint64, len(old)+len(old)/2)
	for _, fp := range old {
		if fp != 0 {
			sh.put(fp)
		}
	}
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
		n += 8 * len(s.shards[i].table)
		s.shards[i].mu.Unlock()
	}
	return n
}

package spec

// Crash vectors (Michael, Ports, Sharma, Szekeres, "Recovering Shared
// Objects Without Stable Storage", DISC 2017). In the crash-vector variant
// a replica keeps, for every replica, the latest incarnation it knows of.
// A message carries its sender's vector; a receiver discards a message
// whose sender's own entry is older than what the receiver knows, merges
// the vector entry-wise, and forgets what it had collected from an older
// incarnation. In the paper variant vectors are empty and all of this is a
// no-op.

// usesVectors reports whether r runs the crash-vector variant.
func (r *Replica) usesVectors() bool { return r.Config.Recovery == RecoveryCrashVectors }

// fresh reports whether a message of epoch e that replica from sent with
// vector cv may be used: only a message of r's own epoch from a member of
// its group (7), and one that is current.
func (r *Replica) fresh(from ReplicaIndex, e EpochNumber, cv []uint32) bool {
	return e == r.Epoch && r.Members.Has(from) && r.current(from, cv)
}

// current reports whether a message that replica from sent with vector cv
// may be used: always in the paper variant; in the crash-vector variant
// only when cv is well formed and the sender's own entry is not older
// than what r knows of it.
func (r *Replica) current(from ReplicaIndex, cv []uint32) bool {
	if !r.valid(from) {
		return false
	}
	if !r.usesVectors() {
		return true
	}
	n := int(r.Config.Replicas)
	return len(cv) == n && len(r.CrashVector) == n && cv[from] >= r.CrashVector[from]
}

// merge takes the entry-wise maximum of r's vector and cv. For every
// replica whose incarnation is newer in cv, r forgets what it collected
// from that replica's older incarnation. r's vector is replaced, not
// changed in place, because messages already emitted share it.
func (r *Replica) merge(cv []uint32) {
	if !r.usesVectors() || len(cv) != len(r.CrashVector) {
		return
	}
	copied := false
	for j, c := range cv {
		if c <= r.CrashVector[j] {
			continue
		}
		if !copied {
			r.CrashVector = append([]uint32(nil), r.CrashVector...)
			copied = true
		}
		r.CrashVector[j] = c
		r.forget(ReplicaIndex(j))
	}
}

// forget drops what r collected from replica j: acknowledgements,
// StartViewChange and DoViewChange messages and recovery responses.
func (r *Replica) forget(j ReplicaIndex) {
	for i := range r.PrepareOKs {
		r.PrepareOKs[i].From = r.PrepareOKs[i].From.Remove(j)
	}
	r.StartViewChanges = r.StartViewChanges.Remove(j)
	r.DoViewChanges = removeFrom(r.DoViewChanges, func(m *DoViewChange) bool { return m.Replica == j })
	r.RecoveryResponses = removeFrom(r.RecoveryResponses, func(m *RecoveryResponse) bool { return m.Replica == j })
}

// removeFrom returns s without the elements for which drop holds, in a
// new slice so that no earlier state shares it.
func removeFrom[T any](s []T, drop func(*T) bool) []T {
	var kept []T
	for i := range s {
		if !drop(&s[i]) {
			kept = append(kept, s[i])
		}
	}
	return kept
}

// vector returns r's crash vector to put in a message.
func (r *Replica) vector() []uint32 { return r.CrashVector }

package spec

// Reads at the primary under leases (6.3). A read-only request goes
// through the log like any other, unless the primary holds a lease: f
// backups have promised not to start or join a view change for a while,
// so no other view can start, and no other primary commit anything, until
// the lease has expired. The primary then answers the read from its state.
// A lease lasts Config.Lease ticks of the primary's clock from the moment
// it asked for it; a promise lasts Config.LeaseMargin ticks more of the
// backup's clock from the moment it granted it, which covers the drift of
// the two clocks. The model checker's clocks drift within a bound it
// takes as a setting; the runtime's margin is computed from one.

// ServeRead answers a read-only request at the primary from its state,
// without a round of Prepares, while it holds a lease and has executed
// every operation of the views before its own (6.3). Without a lease the
// request goes through the log (ReceiveRequest).
//
//vsr:rule 6.3
type ServeRead struct{}

func (ServeRead) Guard(r *Replica, m *Request) bool {
	return m.Read && m.Reconfigure == 0 && r.canRead()
}

func (ServeRead) Apply(r *Replica, m *Request, out *Effects) {
	out.Reply(m.Client, Reply{Epoch: r.Epoch, View: r.View, Request: m.Request, Client: m.Client, Result: out.Query(m.Client, uint64(m.Request), m.Op)})
}

// canRead reports whether r may answer reads from its state: it is the
// primary of its view in normal status, holds a lease, and has committed
// the operations its view started with, so that it has executed every
// operation that any earlier view committed.
func (r *Replica) canRead() bool {
	return r.Status == Normal && r.isPrimary() && r.Lease > 0 && r.CommitNumber >= r.ViewStart
}

// RenewLease asks the backups, at the primary, for a lease: a new round
// of requests, whose age its clock counts from now (6.3).
//
//vsr:rule 6.3
type RenewLease struct{}

func (RenewLease) Guard(r *Replica, t *LeaseTimeout) bool {
	return r.Config.leases() && r.Status == Normal && r.isPrimary()
}

func (RenewLease) Apply(r *Replica, t *LeaseTimeout, out *Effects) {
	r.LeaseRound++
	r.LeaseAge, r.LeaseGrants = 0, 0
	r.broadcast(out, RequestLease{Epoch: r.Epoch, View: r.View, Round: r.LeaseRound, CrashVector: r.vector()})
}

// PromiseLease grants the primary of the backup's view a lease: the
// backup promises to start and join no view change for Lease plus
// LeaseMargin ticks of its clock from now (6.3).
//
//vsr:rule 6.3
type PromiseLease struct{}

func (PromiseLease) Guard(r *Replica, m *RequestLease) bool {
	return r.Config.leases() && r.Status == Normal && !r.isPrimary() && m.View == r.View &&
		r.fresh(r.primary(), m.Epoch, m.CrashVector)
}

func (PromiseLease) Apply(r *Replica, m *RequestLease, out *Effects) {
	r.merge(m.CrashVector)
	r.Promise = max(r.Promise, r.Config.promise())
	out.Send(r.primary(), GrantLease{Epoch: r.Epoch, View: r.View, Round: m.Round, Replica: r.Index, CrashVector: r.vector()})
}

// ExtendLease counts a backup's grant of the primary's latest round; once
// f backups have granted it, the primary holds a lease until Lease ticks
// from the round's start, by its own clock (6.3). A grant of an earlier
// round, or of one older than a lease, counts for nothing.
//
//vsr:rule 6.3
type ExtendLease struct{}

func (ExtendLease) Guard(r *Replica, m *GrantLease) bool {
	return r.Config.leases() && r.Status == Normal && r.isPrimary() && m.View == r.View && r.LeaseRound != 0 &&
		m.Round == r.LeaseRound && r.LeaseAge < r.Config.Lease && m.Replica != r.Index && r.fresh(m.Replica, m.Epoch, m.CrashVector)
}

func (ExtendLease) Apply(r *Replica, m *GrantLease, out *Effects) {
	r.merge(m.CrashVector)
	r.LeaseGrants = r.LeaseGrants.Add(m.Replica)
	if r.LeaseGrants.Count() >= r.f() {
		r.Lease = max(r.Lease, r.Config.Lease-r.LeaseAge)
	}
}

// CountDownLease counts a tick of the replica's clock: the primary's
// lease and the age of its latest round, a backup's promise (6.3).
//
//vsr:rule 6.3
type CountDownLease struct{}

func (CountDownLease) Guard(r *Replica, t *Tick) bool {
	return r.Config.leases() && r.Status != Crashed
}

func (CountDownLease) Apply(r *Replica, t *Tick, out *Effects) {
	r.Lease = max(r.Lease, 1) - 1
	r.Promise = max(r.Promise, 1) - 1
	if r.LeaseRound != 0 && r.LeaseAge < r.Config.Lease {
		r.LeaseAge++
	}
}

// dropLease forgets the replica's lease, when it leaves the view in which
// it was primary.
func (r *Replica) dropLease() {
	r.Lease, r.LeaseRound, r.LeaseAge, r.LeaseGrants = 0, 0, 0, 0
}

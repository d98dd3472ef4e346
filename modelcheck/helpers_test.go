package modelcheck_test

import "github.com/viewstamped/vsr/spec"

func replicas(cfg spec.Config) []spec.Replica {
	var rs []spec.Replica
	for i := 0; i < int(cfg.Replicas); i++ {
		rs = append(rs, spec.NewReplica(cfg, spec.ReplicaIndex(i)))
	}
	return rs
}

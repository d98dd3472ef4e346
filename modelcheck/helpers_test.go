package modelcheck_test

import (
	"github.com/viewstamped/vsr/bounded"
	"github.com/viewstamped/vsr/spec"
)

func replicas(cfg spec.Config) []spec.Replica { return bounded.Replicas(cfg) }

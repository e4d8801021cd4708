package githttp_test

import (
	"testing"

	"github.com/praxis-coop/praxis/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

#pragma once
// How many intra-op threads a trainer may use. No torch here, so the worker
// loop can ask without compiling libtorch's headers.

namespace joulegrid {

// `wanted`, or (0) the cores this process may run on.
int choose_threads(int wanted);

}  // namespace joulegrid

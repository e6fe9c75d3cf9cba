#include "meters/meter.hpp"

namespace joulegrid::meters {

const char* method_name(Method m) {
  switch (m) {
    case Method::counter: return "counter";
    case Method::power: return "power";
    default: return "estimated";
  }
}

}  // namespace joulegrid::meters

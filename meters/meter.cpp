#include "meters/meter.hpp"

namespace joulegrid::meters {

const char* method_name(Method m) {
  switch (m) {
    case Method::counter: return "counter";
    case Method::power: return "power";
    case Method::utilisation: return "utilisation";
    default: return "estimated";
  }
}

}  // namespace joulegrid::meters

#include "vocabulary/vocabulary.hpp"

namespace joulegrid {

std::string method_in_words(EnergyMethod m) {
  switch (m.value()) {
    case EnergyMethodValue::counter: return "measured by energy counters";
    case EnergyMethodValue::power: return "measured, integrated from power readings";
    case EnergyMethodValue::estimated: return "estimated from CPU utilisation and TDP (not measured)";
    case EnergyMethodValue::placeholder: return "a placeholder of fixed watts × time (not a measurement)";
    case EnergyMethodValue::none: return "unknown";
  }
  return "unknown";
}

}  // namespace joulegrid

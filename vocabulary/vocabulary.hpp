#pragma once
// The words joulegrid's records, spec and reports share, each an enum with
// one table of names (word.hpp): the names are what files, the wire, the CSV
// and the JSON spell, and docs/results-file.md lists them.

#include <array>
#include <string>
#include <string_view>

#include "vocabulary/word.hpp"

namespace joulegrid {

// A cell's fate (/cells status) and an attempt's (/runs status).
enum class StatusValue { pending, done, failed, abandoned };
template <>
struct Vocabulary<StatusValue> {
  static constexpr const char* what = "status";
  static constexpr std::array<WordEntry<StatusValue>, 4> words{{
      {StatusValue::pending, "pending"},      // not settled yet
      {StatusValue::done, "done"},            // finished under its criterion
      {StatusValue::failed, "failed"},        // failed (a cell: on its last attempt)
      {StatusValue::abandoned, "abandoned"},  // an attempt the sweep's stop ended: never committed
  }};
};
using Status = Word<StatusValue>;

// A study's (/meta status).
enum class StudyStatusValue { running, complete, stopped };
template <>
struct Vocabulary<StudyStatusValue> {
  static constexpr const char* what = "study status";
  static constexpr std::array<WordEntry<StudyStatusValue>, 3> words{{
      {StudyStatusValue::running, "running"},
      {StudyStatusValue::complete, "complete"},
      {StudyStatusValue::stopped, "stopped"},  // a signal drained it: resumable
  }};
};
using StudyStatus = Word<StudyStatusValue>;

// How a figure's joules were obtained, weakest first: a figure mixing
// methods carries the weakest (weakest_method).
enum class EnergyMethodValue { none, placeholder, estimated, power, counter };
template <>
struct Vocabulary<EnergyMethodValue> {
  static constexpr const char* what = "energy method";
  static constexpr std::array<WordEntry<EnergyMethodValue>, 5> words{{
      {EnergyMethodValue::none, ""},                  // nothing measured yet
      {EnergyMethodValue::placeholder, "placeholder"},  // fixed watts × time: no meter could be read
      {EnergyMethodValue::estimated, "estimated"},      // CPU utilisation × TDP, watts per GiB of RAM
      {EnergyMethodValue::power, "power"},              // integrated from power readings
      {EnergyMethodValue::counter, "counter"},          // energy counters
  }};
};
using EnergyMethod = Word<EnergyMethodValue>;

// The weaker of two methods; `none` gives way to the other.
inline EnergyMethod weakest_method(EnergyMethod a, EnergyMethod b) {
  if (a == EnergyMethodValue::none) return b;
  if (b == EnergyMethodValue::none) return a;
  return a.value() <= b.value() ? a : b;
}
inline bool measured(EnergyMethod m) {
  return m == EnergyMethodValue::counter || m == EnergyMethodValue::power;
}
// "measured by energy counters", "estimated from CPU utilisation and TDP (not measured)", ...
std::string method_in_words(EnergyMethod m);

// Which joules a figure counts.
enum class EnergyBasisValue { gross, net };
template <>
struct Vocabulary<EnergyBasisValue> {
  static constexpr const char* what = "energy basis";
  static constexpr std::array<WordEntry<EnergyBasisValue>, 2> words{{
      {EnergyBasisValue::gross, "gross"},  // including the node's idle power
      {EnergyBasisValue::net, "net"},      // less idle power × time
  }};
};
using EnergyBasis = Word<EnergyBasisValue>;

// How a cell starts ([finetune]).
enum class RoleValue { scratch, pretrain, finetune };
template <>
struct Vocabulary<RoleValue> {
  static constexpr const char* what = "cell role";
  static constexpr std::array<WordEntry<RoleValue>, 3> words{{
      {RoleValue::scratch, ""},             // trained from scratch
      {RoleValue::pretrain, "pretrain"},    // trained on the pretraining data; its weights are kept
      {RoleValue::finetune, "finetune"},    // starts from a pretraining cell's weights
  }};
};
using Role = Word<RoleValue>;

// A stopping criterion's kind ([[criteria]] kind).
enum class CriterionKindValue { epochs, accuracy, early_stopping, energy };
template <>
struct Vocabulary<CriterionKindValue> {
  static constexpr const char* what = "criterion kind";
  static constexpr std::array<WordEntry<CriterionKindValue>, 4> words{{
      {CriterionKindValue::epochs, "epochs"},
      {CriterionKindValue::accuracy, "accuracy"},
      {CriterionKindValue::early_stopping, "early_stopping"},
      {CriterionKindValue::energy, "energy"},
  }};
};
using CriterionKind = Word<CriterionKindValue>;

// Why an attempt stopped.
enum class StopReasonValue { none, criterion_met, cap_reached, failed, stopped };
template <>
struct Vocabulary<StopReasonValue> {
  static constexpr const char* what = "stop reason";
  static constexpr std::array<WordEntry<StopReasonValue>, 5> words{{
      {StopReasonValue::none, ""},
      {StopReasonValue::criterion_met, "criterion_met"},
      {StopReasonValue::cap_reached, "cap_reached"},  // the epoch cap came first
      {StopReasonValue::failed, "failed"},
      {StopReasonValue::stopped, "stopped"},          // the sweep was stopped (signal)
  }};
};
using StopReason = Word<StopReasonValue>;

// What ended a failed attempt.
enum class FailureValue {
  none, input, internal, nonfinite_loss, out_of_memory, signal, exit, timeout, protocol, dependency, device
};
template <>
struct Vocabulary<FailureValue> {
  static constexpr const char* what = "failure cause";
  static constexpr std::array<WordEntry<FailureValue>, 11> words{{
      {FailureValue::none, ""},
      {FailureValue::input, "input"},                    // its data or model file is bad: not retried by chance
      {FailureValue::internal, "internal"},
      {FailureValue::nonfinite_loss, "nonfinite_loss"},
      {FailureValue::out_of_memory, "out_of_memory"},
      {FailureValue::signal, "signal"},                  // the trainer was killed by a signal
      {FailureValue::exit, "exit"},                      // the trainer exited non-zero
      {FailureValue::timeout, "timeout"},
      {FailureValue::protocol, "protocol"},              // the trainer broke the cell protocol
      {FailureValue::dependency, "dependency"},          // its pretraining cell failed: never run
      {FailureValue::device, "device"},                  // the GPU faulted (illegal address, assert, ECC, lost)
  }};
};
using Failure = Word<FailureValue>;

// A report's format (`joulegrid report --format`, [report] formats).
enum class ReportFormatValue { table, csv, csv_epochs, json, html };
template <>
struct Vocabulary<ReportFormatValue> {
  static constexpr const char* what = "report format";
  static constexpr std::array<WordEntry<ReportFormatValue>, 5> words{{
      {ReportFormatValue::table, "table"},            // the paper's tables, for people (console)
      {ReportFormatValue::csv, "csv"},                // one tidy row per cell, for pandas and R
      {ReportFormatValue::csv_epochs, "csv-epochs"},  // one tidy row per epoch of every settled run
      {ReportFormatValue::json, "json"},              // the study, nodes, cells and every reduced table
      {ReportFormatValue::html, "html"},              // one self-contained page with figures and statistics
  }};
};
using ReportFormat = Word<ReportFormatValue>;

}  // namespace joulegrid

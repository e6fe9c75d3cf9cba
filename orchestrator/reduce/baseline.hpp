#pragma once
// Whether a node's net energy (gross less idle power × time) can be trusted
// (ARCHITECTURE §4). The idle baseline is taken before the first cell, in
// windows; on a node shared with other jobs it absorbs their load, and net
// figures then shrink towards nothing (a test here once saw net efficiency
// 20× gross). A node's net is marked unreliable, with the reason, when
//   - other processes kept more than kIdleBusyPercent of its CPU time busy
//     in an idle window;
//   - its idle windows differ by more than kIdleSpread of their median;
//   - more than kRunOtherCpuPercent of its CPU time went to processes
//     outside the job (not a rank of it, nor a rank's trainer) while its
//     cells ran (files written before 2026-12 counted every process but the
//     cell's own trainer, so there it is judged on one-rank nodes only);
//   - more than kBelowIdleShare of its training and evaluation phases drew
//     less than its idle power (a net below −kBelowIdleTolerance of the
//     phase's gross joules): the strongest sign that the baseline was
//     taken on a busier node (a phase's net is signed since 2026-12; files
//     written before clamped each phase at 0 and show none);
//   - it measured no idle power at all ([meters] idle_seconds = 0): then it
//     has no net energy, and a report on the net basis is refused
//     (missing_idle_baseline).

#include "io/records/reduction.hpp"

namespace joulegrid::reduction {

inline constexpr double kIdleBusyPercent = 5.0;
inline constexpr double kIdleSpread = 0.10;
inline constexpr double kRunOtherCpuPercent = 10.0;
inline constexpr double kBelowIdleShare = 0.10;
inline constexpr double kBelowIdleTolerance = 0.01;

// A node measured idle power before its cells: without it, net equals gross.
bool has_idle_baseline(const NodeRecord& node);
// The nodes that ran a finished run without an idle baseline, named, or ""
// when every one has one: a report on the net basis must refuse then.
std::string missing_idle_baseline(const StudyResults& results);

// The rows with each one's net_reliable, net_doubt and phase counts set
// from its idle windows and the runs it made.
std::vector<NodeRow> judge_net_energy(const StudyResults& results, std::vector<NodeRow> nodes);

}  // namespace joulegrid::reduction

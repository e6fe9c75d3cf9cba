# Sourced by the batch scripts in slurm/: what every joulegrid job does
# around its launch line. Not a batch script of its own.
#
#   study_prepare NAME      sets $results (the job's folder), $file, $log and
#                           the array run_args=(run SPEC -o FILE [--resume] …)
#   study_launch CMD…       runs the launch line in the background, logs it,
#                           passes the time-limit warning (USR1) and scancel's
#                           TERM on to it as USR1 (srun and mpirun forward USR1
#                           at once; mpirun cannot forward TERM), and ends the
#                           job: exit 0 when the study is complete; on exit 3
#                           after the warning, requeues the job, which resumes
#                           in its next allocation; otherwise joulegrid's exit
#                           code.
#
# A cancel or a time limit reached is Slurm's kill sequence: TERM to every
# process of the job, SIGKILL KillWait seconds later. So after a TERM rank 0
# drains for KillWait less 5 s at most (--term-seconds). mpirun, itself
# signalled, stops forwarding output and kills the ranks after
# odls_base_sigkill_timeout (1 s by default): it is told to wait half of
# KillWait, rank 0 drains for that less 2 s, and mpirun still ends before
# Slurm's SIGKILL. (Rank 0's lines during that drain are lost with mpirun's
# forwarding; the results file says what happened.)
#
# Environment (all optional):
#   JOULEGRID_SPEC            the study file (each batch script sets a default)
#   JOULEGRID_RESULTS         the job's folder (default results/JOBNAME-JOBID);
#                             point a new job at an old folder to continue it
#   JOULEGRID_DRAIN_SECONDS   how long running cells may finish after the
#                             warning (default 120; keep it under the
#                             --signal lead time minus a minute)
#   JOULEGRID_MAX_REQUEUES    give up requeueing after this many (default 20)
#   JOULEGRID_LOG_LEVEL       trace|debug|info|warn|error (default info)

study_say() { echo "joulegrid job ${SLURM_JOB_ID:-?}: $*"; }

# The line that continues this job's study in a new job.
study_how_to_continue() {
  echo "JOULEGRID_RESULTS=$results sbatch $(scontrol show job "${SLURM_JOB_ID:-0}" 2>/dev/null |
                                              sed -n 's/.*Command=//p' | head -n 1)"
}

study_prepare() {  # NAME
  cd "${SLURM_SUBMIT_DIR:-.}" || exit 1
  spec=${JOULEGRID_SPEC:?set JOULEGRID_SPEC in the batch script}
  results=${JOULEGRID_RESULTS:-results/${1:-${SLURM_JOB_NAME:-joulegrid}}-${SLURM_JOB_ID:-local}}
  file=${JOULEGRID_RESULTS_FILE:-$results/results.h5}
  log=$results/joulegrid.log
  mkdir -p "$results" "$(dirname "$file")"
  [[ -f $spec ]] || { study_say "no study file $spec (set JOULEGRID_SPEC)"; exit 2; }

  export SPDLOG_LEVEL=${JOULEGRID_LOG_LEVEL:-${SPDLOG_LEVEL:-info}}
  export CUDA_DEVICE_ORDER=PCI_BUS_ID   # CUDA's numbering = nvidia-smi's = NVML's
  local kill_wait
  kill_wait=$(scontrol show config 2>/dev/null | awk '$1 == "KillWait" { print $3 }')
  [[ $kill_wait =~ ^[0-9]+$ ]] || kill_wait=30   # Slurm's default
  export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-$(( kill_wait > 2 ? kill_wait / 2 : 1 ))}
  run_args=(run "$spec" -o "$file" --drain-seconds "${JOULEGRID_DRAIN_SECONDS:-120}"
            --term-seconds "$(( kill_wait > 5 ? kill_wait - 5 : 0 ))")
  # A requeued job, or a new job pointed at an old folder, continues the study.
  if [[ -e $file ]]; then
    run_args+=(--resume)
    study_say "resuming $file (allocation $(( ${SLURM_RESTART_COUNT:-0} + 1 )))"
  else
    study_say "starting $spec -> $file"
  fi
}

study_launch() {  # CMD…
  local warned=0 cancelled=0 pid status
  on_warning() { warned=1; study_say "time limit near: draining (SIGUSR1 to rank 0)"; kill -USR1 "$pid" 2>/dev/null; }
  # Slurm's TERM reaches rank 0 itself too; the copies of one request count once.
  on_cancel() { cancelled=1; study_say "cancelled: draining"; kill -USR1 "$pid" 2>/dev/null; }
  trap on_warning USR1
  trap on_cancel TERM INT

  echo "--- $(date -u +%FT%TZ) job ${SLURM_JOB_ID:-?} allocation $(( ${SLURM_RESTART_COUNT:-0} + 1 )): $*" >> "$log"
  # The log's tee ignores the kill sequence's TERM, or the drain's lines would be lost.
  "$@" > >(trap '' TERM INT; exec tee -a "$log") 2>&1 &
  pid=$!
  # A trapped signal interrupts `wait`; wait again until the launch line ends.
  while true; do
    wait "$pid"
    status=$?
    if (( status > 128 )) && kill -0 "$pid" 2>/dev/null; then continue; fi
    break
  done
  if (( status > 128 )); then  # the signal raced the end: ask for the real status once more
    wait "$pid" 2>/dev/null
    local again=$?
    (( again != 127 )) && status=$again
  fi
  trap - USR1 TERM INT

  case $status in
    0)
      study_say "study complete: $file"
      study_say "report: joulegrid report $file" ;;
    *)
      if (( cancelled )); then  # under mpirun its own exit code after a TERM is 1, whatever rank 0 says
        study_say "cancelled with the study incomplete (exit $status); to continue:" \
                  "$(study_how_to_continue)"
      elif (( status == 3 )) && (( warned )) && (( ${SLURM_RESTART_COUNT:-0} < ${JOULEGRID_MAX_REQUEUES:-20} )); then
        study_say "stopped before the time limit; requeueing to resume $file"
        scontrol requeue "$SLURM_JOB_ID"
      elif (( status == 3 )); then
        study_say "stopped with the study incomplete; to continue:" \
                  "$(study_how_to_continue)"
      else
        study_say "joulegrid exited $status; see $log"
      fi ;;
  esac
  return "$status"
}

// HDF5 I/O of the campaign loop: ingesting result files, and saving / loading the campaign
// archive (which is rewritten whole, crash-safely, on every change: its cost grows with the
// campaign, so it is measured at several sizes). Targets on the 2-core CI machine: ingesting
// 1,000 result files < 1 s; an archive of 10,000 trials and 200,000 observations saved < 1 s.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "mixbo/io/archive.hpp"
#include "mixbo/io/result_file.hpp"

using namespace mixbo;
namespace fs = std::filesystem;

namespace {

fs::path bench_dir(const std::string& name) {
  const auto d =
      fs::temp_directory_path() / ("mixbo-bench-io-" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}

std::string trial_id(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "t%d", i);
  return buf;
}

// 1,000 result files of 20 checkpoints and two metrics, as training jobs leave them.
const std::vector<fs::path>& result_files() {
  static const std::vector<fs::path> files = [] {
    std::vector<fs::path> out;
    const auto dir = bench_dir("results");
    for (int i = 0; i < 1000; ++i) {
      ResultCurve c;
      c.trial_id = trial_id(i);
      for (int s = 1; s <= 20; ++s) {
        c.steps.push_back(100 * s);
        c.metrics["code_CE"].push_back(3.0 - 0.01 * s + 1e-4 * i);
        c.metrics["web_CE"].push_back(2.5 - 0.01 * s);
      }
      out.push_back(dir / ("result" + std::to_string(i) + ".h5"));
      write_result(out.back(), c);
    }
    return out;
  }();
  return files;
}

void BM_IngestResultFiles(benchmark::State& state) {
  const auto& files = result_files();
  std::vector<std::string> ids;
  for (size_t i = 0; i < files.size(); ++i) ids.push_back(trial_id(static_cast<int>(i)));
  double sum = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < files.size(); ++i) {
      const auto c = read_result(files[i], {ids[i], {"code_CE"}, 2000});
      sum += c.metrics.at("code_CE").back();
    }
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(files.size()));
  state.counters["files"] = static_cast<double>(files.size());
}
BENCHMARK(BM_IngestResultFiles)->Unit(benchmark::kMillisecond)->MinTime(2.0);

SearchSpace space5() {
  return SearchSpace(BoundedSimplex({"Wikipedia", "StackExchange", "Github", "ArXiv", "Book"}),
                     ScaleLadder::paper_default("1B"), StepGrid(100, 2000, {}));
}

// A campaign of `n` trials with 20 observations each, 3 events each, one round per 8 trials.
Archive campaign_of(int n) {
  Archive a;
  a.campaign = "bench";
  a.strategy = "mfms-bo";
  a.config_text = std::string(2000, '#');
  a.observations.metric_names = {"StackExchange_CE"};
  a.observations.metric.assign(1, {});
  a.trials.reserve(static_cast<size_t>(n));
  for (int t = 0; t < n; ++t) {
    TrialRecord r;
    r.id = trial_id(t + 1);
    r.point.w = Eigen::VectorXd::Constant(5, 0.2);
    r.point.scale = t % 7;
    r.point.steps = 2000;
    r.cost = 0.01;
    r.iteration = t / 8;
    a.trials.push_back(r);
    a.record(t, TrialState::Submitted, std::to_string(100000 + t));
    a.record(t, TrialState::Running);
    a.record(t, TrialState::Done);
    for (int s = 1; s <= 20; ++s) {
      a.observations.trial.push_back(t);
      a.observations.step.push_back(100 * s);
      a.observations.value.push_back(3.0 - 0.01 * s);
      a.observations.metric[0].push_back(3.0 - 0.01 * s);
    }
  }
  for (int i = 0; i < n / 8; ++i) {
    IterationRecord it;
    it.iteration = i;
    it.n_proposed = 8;
    it.rec_valid = true;
    it.rec_w = Eigen::VectorXd::Constant(5, 0.2);
    it.diagnostics = {{"propose_seconds", 1.0}, {"noise", 1e-3}, {"lml", -10.0}};
    a.iterations.push_back(it);
  }
  return a;
}

void BM_SaveArchive(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const Archive a = campaign_of(n);
  const SearchSpace sp = space5();
  const auto file = bench_dir("save") / ("campaign" + std::to_string(n) + ".h5");
  for (auto _ : state) save_archive(file, a, sp);
  state.counters["trials"] = n;
  state.counters["observations"] = static_cast<double>(a.observations.size());
  state.counters["MB"] = static_cast<double>(fs::file_size(file)) / 1e6;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(a.observations.size()));
}
BENCHMARK(BM_SaveArchive)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_LoadArchive(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto file = bench_dir("load") / ("campaign" + std::to_string(n) + ".h5");
  save_archive(file, campaign_of(n), space5());
  size_t rows = 0;
  for (auto _ : state) rows += load_archive(file).observations.size();
  benchmark::DoNotOptimize(rows);
  state.counters["trials"] = n;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n) * 20);
}
BENCHMARK(BM_LoadArchive)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(fs::temp_directory_path() / ("mixbo-bench-io-" + std::to_string(::getpid())));
  return 0;
}

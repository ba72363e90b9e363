#pragma once
// What a strategy sees of the campaign: every observation so far (one per checkpoint of every
// finished or partial run) and the runs still in flight. Values are oriented so that LOWER IS
// BETTER (the loop negates a maximised objective before a strategy sees it).
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "mixbo/space/point.hpp"

namespace mixbo {

struct Observation {
  Point point;        // point.steps is the checkpoint step
  double value = 0;   // objective at that checkpoint, lower is better
  std::string trial;  // trial id, e.g. "t0007"
  // The run's step budget (0: not known): two runs with the same mixture and scale are repeats
  // of one another only with the same budget, since the learning-rate schedule follows it.
  std::int64_t run_steps = 0;
};

struct History {
  std::vector<Observation> observations;
  std::vector<Point> runs;  // every run proposed so far (point.steps = its step budget),
                            // finished, failed or pending, in proposal order
  int iteration = 0;        // proposal rounds so far
  double spent = 0;         // cost of every run proposed so far (pending ones included)
  double budget = std::numeric_limits<double>::infinity();  // the campaign's budget: a run
                                                            // costing more than budget - spent
                                                            // will not be made
  double budget_left() const { return budget - spent; }
};

}  // namespace mixbo

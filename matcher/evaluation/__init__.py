"""Match quality on real consortia: the CORDIS protocols (leave-one-project-out and time
split), metrics, baselines, weight tuning and reports, run through matcher.ranking."""

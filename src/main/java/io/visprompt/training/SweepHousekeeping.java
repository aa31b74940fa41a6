package io.visprompt.training;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The periodic top-up of running sweeps, in every process that runs workers or the reaper: it submits trials that
 * waited for the tenant's quota, and those a crashed process did not get to submit. Works from the database alone;
 * the lock on each sweep's row makes concurrent top-ups harmless.
 */
@Component
class SweepHousekeeping {

    private final Sweeps sweeps;
    private final TrainingProperties properties;

    SweepHousekeeping(Sweeps sweeps, TrainingProperties properties) {
        this.sweeps = sweeps;
        this.properties = properties;
    }

    @Scheduled(fixedDelayString = "${visprompt.training.sweep-interval:5s}",
            initialDelayString = "${visprompt.training.sweep-interval:5s}")
    void run() {
        if (properties.workers() || properties.reaper()) {
            sweeps.advanceAll();
        }
    }
}

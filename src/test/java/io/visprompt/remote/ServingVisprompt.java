package io.visprompt.remote;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import io.visprompt.VispromptApplication;

/**
 * A second visprompt, in its own Spring context with its own embedded PostgreSQL and admin key, serving its catalog
 * models bare over the Open Inference Protocol: the remote endpoint another visprompt trains black-box prompts for.
 */
final class ServingVisprompt implements AutoCloseable {

    /** Its admin key (other than the test contexts' own), which the learning side reads from a secret file. */
    static final String KEY = "vp_servingside_" + "f00dfeedcafebabe".repeat(3);

    private final ConfigurableApplicationContext context;

    ServingVisprompt() {
        // arguments, not default properties: they must win over application-test.yml
        context = new SpringApplicationBuilder(VispromptApplication.class).profiles("test")
                .run("--server.port=0", "--visprompt.security.bootstrap-key=" + KEY,
                        "--visprompt.training.workers=false", "--visprompt.training.reaper=false",
                        "--visprompt.inference.max-batch-wait=1ms", "--spring.jmx.enabled=false");
    }

    String url() {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    @Override
    public void close() {
        context.close();
    }
}

package org.earshot.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.earshot.app.Service;
import org.earshot.config.ConfigException;
import org.earshot.config.SensorRegistry;
import org.earshot.config.ServeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot serve}: the live service. With no configuration it runs the embedded default (an MQTT endpoint on
 * 1883, WebSocket on 8081, health and metrics on 8080); on first start it creates the sensors file with one sensor,
 * writes that sensor's credentials to a file only the user can read, and prints the command that streams the demo
 * to it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the live service: sensors stream audio in over MQTT or WebSocket, detections go out.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE.json", description = "Configuration file (keys: docs/"
            + "CONFIGURATION.md); EARSHOT_* environment variables override it")
    Path config;

    /**
     * The service's configuration: {@code config} (or none) with the EARSHOT_* environment over it; a bad file or
     * value is the user's error (one line, exit 2). Used by {@code serve} and {@code journal-writer}.
     */
    static ServeConfig load(Path config) {
        try {
            return ServeConfig.load(Optional.ofNullable(config).map(c -> Paths.requireFile(c, "configuration file")),
                    System.getenv());
        } catch (ConfigException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        ServeConfig cfg = load(config);
        System.err.println("earshot: " + cfg.describe());
        Path model = model(cfg);
        SensorRegistry registry = openSensors(cfg);
        LoadedModel loaded = LoadedModel.open(model);
        Service service;
        try {
            service = Service.start(cfg, registry, loaded.classifier(), loaded.detectorConfig(),
                    loaded.manifest().name);
        } catch (Exception e) {
            loaded.close();
            Throwable cause = e;
            while ((cause instanceof java.util.concurrent.ExecutionException
                    || cause instanceof java.util.concurrent.CompletionException) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException("cannot start: " + (cause.getMessage() == null ? cause.toString()
                    : cause.getMessage()), e);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("earshot: stopping (flushing every stream)");
            service.close();
            loaded.close();
            System.err.println("earshot: stopped (journal closed)");
            stopped.countDown();
        }, "earshot-shutdown"));
        System.err.printf("earshot: serving %d sensor(s) with model %s; MQTT %s, WebSocket %s, HTTP %d "
                        + "(/health, /metrics, /api/v1); journal in %s. Ctrl-C stops.%n", registry.sensors().size(),
                loaded.manifest().name,
                service.mqttPort() < 0 ? "broker " + cfg.broker().host() + ":" + cfg.broker().port()
                        + (service.brokerConnected() ? "" : " (not connected yet: retrying, /health answers 503)")
                        : String.valueOf(service.mqttPort()),
                service.webSocketPort() < 0 ? "off" : String.valueOf(service.webSocketPort()), service.httpPort(),
                cfg.journalDir());
        stopped.await();
        return 0;
    }

    /**
     * The model to serve: the configured directory as written (a relative one against the working directory, like
     * every relative path of the configuration), or, when none is configured, the installation's shipped model.
     */
    /**
     * The model directory of the configuration, as {@code serve} and {@code journal-writer} both read it: the shipped
     * model when {@code model} is unset, else the path (relative to the working directory), which must exist.
     */
    static Path model(ServeConfig cfg) {
        Path model = modelDirectory(cfg.model(), Paths.home());
        if (cfg.model() != null && !cfg.model().isAbsolute() && !Files.isDirectory(model)) {
            throw new BadInputException("model directory not found: " + model + " (model = " + cfg.model()
                    + "; relative paths are relative to the working directory; leave model unset for the shipped "
                    + Paths.defaultModel() + ")");
        }
        return model;
    }

    static Path modelDirectory(Path configured, Path home) {
        return configured == null ? home.resolve(Paths.DEFAULT_MODEL) : configured.toAbsolutePath();
    }

    /** The sensors file; on the embedded default's first start, a new one with one sensor and its token shown once. */
    static SensorRegistry openSensors(ServeConfig cfg) {
        try {
            SensorRegistry.FirstStart first = SensorRegistry.createIfMissing(cfg.sensorsFile(),
                    SensorRegistry.FIRST_SENSOR_ID);
            if (first.created()) {
                Path credentials = cfg.sensorsFile().resolveSibling(first.sensorId() + ".credentials.csv");
                SensorsCommand.writeCredentials(credentials, java.util.List.of(
                        new org.earshot.sensor.Credentials(first.sensorId(), first.token())));
                // The token itself is never printed: console output often ends up in logs.
                System.err.printf("earshot: created %s with one sensor, '%s'; its token is in %s (readable only by "
                                + "you; move it to the sensor and delete it here)%n"
                                + "earshot: stream the demo to it with: ./earshot simulate --credentials %s (add --report"
                                + " --reader NAME with a reader's key in EARSHOT_READER_KEY: ./earshot api-keys add --name"
                                + " NAME --role operator)%n",
                        cfg.sensorsFile(), first.sensorId(), credentials, credentials);
            }
            return SensorRegistry.load(cfg.sensorsFile());
        } catch (ConfigException | java.io.IOException e) {
            throw new BadInputException(e.getMessage(), e);
        }
    }
}

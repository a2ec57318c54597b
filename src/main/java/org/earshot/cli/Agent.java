package org.earshot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The entry point of {@code target/earshot-agent.jar}, the small jar for sensors (a Raspberry Pi): only the commands
 * that run on a sensor, {@code sensor} and {@code mic-calibrate}, so that the jar carries only their libraries
 * (Vert.x, Netty, picocli, Gson, JTransforms) and none of the classifier's (DJL, PyTorch, ONNX Runtime). The
 * commands, options and exit codes are those of {@code earshot}.
 */
@Command(name = "earshot-agent", mixinStandardHelpOptions = true, version = "earshot-agent 0.1.0",
        description = "The Earshot sensor agent: streams a sensor's audio to a running service (earshot serve).",
        subcommands = {SensorCommand.class, MicCalibrateCommand.class, CommandLine.HelpCommand.class})
public final class Agent implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the agent's command line and returns the exit code. */
    public static int run(String... args) {
        return Earshot.configured(new CommandLine(new Agent())).execute(args);
    }

    /** Without a subcommand: the usage on standard error, and exit 2, as {@code earshot} does. */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return Earshot.EXIT_BAD_INPUT;
    }
}

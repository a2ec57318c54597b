package org.earshot.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code earshot} command. Standard output carries only each command's results (for {@code detect}, one JSON
 * object per event); progress, logs and errors go to standard error. Exit codes: 0 success, 1 failure while working,
 * 2 bad input or usage.
 */
@Command(name = "earshot", mixinStandardHelpOptions = true, version = "earshot 0.1.0",
        description = "Detects shouts, glass breaks and impacts in audio.",
        subcommands = {DetectCommand.class, TrainCommand.class, CalibrateCommand.class, EvaluateCommand.class, MakeStreamsCommand.class,
                MakeDemoCommand.class, ServeCommand.class, SimulateCommand.class, SensorsCommand.class,
                SensorCommand.class, MicCalibrateCommand.class, MosquittoPasswordsCommand.class, ApiKeysCommand.class,
                DatasetCommand.class,
                VerifyCommand.class, BenchCommand.class, ConfigReferenceCommand.class, JournalWriterCommand.class,
                CommandLine.HelpCommand.class})
public final class Earshot implements java.util.concurrent.Callable<Integer> {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return configured(new CommandLine(new Earshot())).execute(args);
    }

    /**
     * The command line's error handling, shared with {@link Agent}: one line per usage error or failure, and the exit
     * codes above.
     */
    static CommandLine configured(CommandLine cli) {
        cli.setErr(new PrintWriter(System.err, true));
        cli.setParameterExceptionHandler((e, args1) -> {
            // One line naming the problem and where help is, not the whole usage.
            CommandLine command = e.getCommandLine();
            command.getErr().println("earshot: " + e.getMessage() + " (see '" + command.getCommandSpec().qualifiedName()
                    + " --help')");
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // One clear line instead of a stack trace; usage errors and bad input exit 2.
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            commandLine.getErr().println("earshot: " + message);
            return e instanceof BadInputException || e instanceof IllegalArgumentException ? EXIT_BAD_INPUT
                    : EXIT_FAILURE;
        });
        return cli;
    }

    /** Without a subcommand: the usage on standard error, and exit 2 (a usage error, like a bad option). */
    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return EXIT_BAD_INPUT;
    }
}

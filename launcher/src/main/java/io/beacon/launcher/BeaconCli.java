package io.beacon.launcher;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code beacon} command. Each subcommand is one process role; {@code demo} runs them all. */
@Command(name = "beacon", mixinStandardHelpOptions = true, version = "beacon 0.1.0",
        description = "Beacon Router: routes LLM inference jobs over Kafka to Golem, Modal and RunPod.",
        subcommands = {DemoCommand.class, SimulateCommand.class, RouterCommand.class, WorkerCommand.class, SimCommand.class,
                DeploymentsCommand.class,
                AclsCommand.class,
                SubmitCommand.class, ResultsCommand.class, DlqCommand.class, CommandLine.HelpCommand.class})
public final class BeaconCli {

    private BeaconCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 the run failed, 2 bad usage or setup). */
    public static int run(String... args) {
        return run(new PrintWriter(System.err, true), args);
    }

    /** As {@link #run(String...)}, with error messages written to {@code err}. */
    public static int run(PrintWriter err, String... args) {
        return run(null, err, args);
    }

    /**
     * As {@link #run(String...)}, with the commands' output (the runner tools' JSON lines) written to
     * {@code out} (null: standard output) and error messages to {@code err}.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BeaconCli());
        if (out != null) {
            cli.setOut(out);
        }
        cli.setErr(err);
        cli.setExecutionExceptionHandler((error, commandLine, parseResult) -> {
            // Setup errors (a taken port, a bad setting) are for a person: the message, not a stack trace.
            commandLine.getErr().println("beacon: " + describe(error));
            org.slf4j.LoggerFactory.getLogger(BeaconCli.class).debug("command failed", error);
            return 2;
        });
        return cli.execute(args);
    }

    private static String describe(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
        Throwable cause = error.getCause();
        while (cause != null && cause != error) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
            error = cause;
            cause = cause.getCause();
        }
        return text.toString();
    }
}

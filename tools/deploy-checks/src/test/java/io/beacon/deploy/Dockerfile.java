package io.beacon.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A Dockerfile as a list of stages and instructions: continuation lines joined, comments dropped. */
record Dockerfile(List<Stage> stages) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Dockerfile parse(String text) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : text.split("\n", -1)) {
            String line = raw.strip();
            if (pending.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.startsWith("#")) {
                continue; // a comment line inside a continued instruction
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String instruction = pending.toString().strip();
            pending.setLength(0);
            if (instruction.isEmpty()) {
                continue;
            }
            int space = instruction.indexOf(' ');
            String keyword = (space < 0 ? instruction : instruction.substring(0, space)).toUpperCase(Locale.ROOT);
            String arguments = space < 0 ? "" : instruction.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                String[] words = arguments.split("\\s+");
                String image = words[0];
                Optional<String> name = words.length >= 3 && words[1].equalsIgnoreCase("AS")
                        ? Optional.of(words[2]) : Optional.empty();
                stages.add(new Stage(image, name, new ArrayList<>()));
            } else if (stages.isEmpty()) {
                if (!keyword.equals("ARG")) {
                    throw new IllegalArgumentException("instruction before FROM: " + instruction);
                }
            } else {
                stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, arguments));
            }
        }
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("no FROM instruction");
        }
        return new Dockerfile(stages);
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> s.name().map(name::equals).orElse(false)).findFirst();
    }

    record Stage(String image, Optional<String> name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Optional<Instruction> last(String keyword) {
            List<Instruction> found = all(keyword);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
        }

        /** The working directory in effect at the end of the stage ("/" when none is set). */
        String workdir() {
            return last("WORKDIR").map(Instruction::arguments).orElse("/");
        }
    }

    record Instruction(String keyword, String arguments) {

        /** Flags such as {@code --from=build} before the instruction's operands. */
        List<String> flags() {
            List<String> out = new ArrayList<>();
            for (String word : arguments.split("\\s+")) {
                if (!word.startsWith("--")) {
                    break;
                }
                out.add(word);
            }
            return out;
        }

        Optional<String> flag(String name) {
            return flags().stream().filter(f -> f.startsWith("--" + name + "="))
                    .map(f -> f.substring(name.length() + 3)).findFirst();
        }

        /** Operands after the flags: exec-form JSON array elements, or words in shell form. */
        List<String> operands() {
            String rest = arguments;
            for (String flag : flags()) {
                rest = rest.substring(rest.indexOf(flag) + flag.length()).strip();
            }
            if (rest.startsWith("[")) {
                return execForm(rest).orElseThrow(() -> new IllegalArgumentException(
                        keyword + " is not a valid JSON array: " + arguments));
            }
            List<String> out = new ArrayList<>();
            for (String word : rest.split("\\s+")) {
                if (!word.isEmpty()) {
                    out.add(word);
                }
            }
            return out;
        }

        /** The JSON-array (exec) form of the arguments, if they are one. */
        Optional<List<String>> execForm() {
            return arguments.startsWith("[") ? execForm(arguments) : Optional.empty();
        }

        private static Optional<List<String>> execForm(String text) {
            try {
                JsonNode array = JSON.readTree(text);
                if (!array.isArray()) {
                    return Optional.empty();
                }
                List<String> out = new ArrayList<>();
                array.forEach(e -> out.add(e.asText()));
                return Optional.of(out);
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        }
    }
}

# Writes each public data set as a long event log (entity,key,value) and a label table
# (entity,label) under the directory given as the only argument.
#   numeric column c      -> key "c", the value (zeros and NA left out: absent means 0)
#   other column c        -> key "c=<level>", value 1 (one-hot, as an event log records a choice)
#   review text           -> key "w_<word>", value 1 per occurrence (the pivot sums them to counts)
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]

write_long <- function(name, df, y, text = NULL) {
  dir <- file.path(out, name)
  dir.create(file.path(dir, "events", "dt=2026-01-01"), recursive = TRUE, showWarnings = FALSE)
  ent <- sprintf("e%05d", seq_len(nrow(df)))
  parts <- list()
  for (col in names(df)) {
    v <- df[[col]]
    if (is.numeric(v)) {
      ok <- !is.na(v) & v != 0
      parts[[length(parts) + 1]] <- data.frame(entity = ent[ok], key = col, value = as.numeric(v[ok]))
    } else {
      v <- as.character(v)
      ok <- !is.na(v)
      parts[[length(parts) + 1]] <- data.frame(entity = ent[ok], key = paste0(col, "=", v[ok]), value = 1)
    }
  }
  if (!is.null(text)) {
    words <- regmatches(tolower(text), gregexpr("[a-z']+", tolower(text)))
    parts[[length(parts) + 1]] <- data.frame(
      entity = rep(ent, lengths(words)), key = paste0("w_", unlist(words)), value = 1)
  }
  events <- do.call(rbind, parts)
  write.csv(events, file.path(dir, "events", "dt=2026-01-01", "part-0.csv"), row.names = FALSE)
  write.csv(data.frame(entity = ent, label = as.integer(y)), file.path(dir, "labels.csv"), row.names = FALSE)
  cat(sprintf("%s: %d rows, %d events, positive rate %.3f\n", name, nrow(df), nrow(events), mean(y)))
}

data(wa_churn, package = "modeldata")
churn <- as.data.frame(wa_churn)
write_long("wa_churn", churn[, names(churn) != "churn"], churn$churn == "Yes")

data(small_fine_foods, package = "modeldata")
foods <- rbind(as.data.frame(training_data), as.data.frame(testing_data))
write_long("fine_foods", foods[, character(0), drop = FALSE], foods$score == "great", text = foods$review)

data(DNA, package = "mlbench")
dna <- as.data.frame(DNA)
write_long("dna", dna[, names(dna) != "Class"], dna$Class == "n")

data(spam, package = "kernlab")
spam <- as.data.frame(spam)
write_long("spam", spam[, names(spam) != "type"], spam$type == "spam")

# the wider suite: small and large, dense and one-hot, balanced and rare positives
data(Sonar, package = "mlbench")
write_long("sonar", Sonar[, names(Sonar) != "Class"], Sonar$Class == "M")

data(Ionosphere, package = "mlbench")
write_long("ionosphere", Ionosphere[, names(Ionosphere) != "Class"], Ionosphere$Class == "bad")

data(attrition, package = "modeldata")
write_long("attrition", attrition[, names(attrition) != "Attrition"], attrition$Attrition == "Yes")

data(ticdata, package = "kernlab")
write_long("ticdata", ticdata[, names(ticdata) != "CARAVAN"], ticdata$CARAVAN == "insurance")

data(lending_club, package = "modeldata")
lc <- as.data.frame(lending_club)
write_long("lending_club", lc[, names(lc) != "Class"], lc$Class == "bad")

data(LetterRecognition, package = "mlbench")
write_long("letter_a", LetterRecognition[, names(LetterRecognition) != "lettr"], LetterRecognition$lettr == "A")

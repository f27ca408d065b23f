"""Reading surveyors' files into the register."""

"""The build as a whole: one build of a checkout at a time, the site swapped in whole, speed."""

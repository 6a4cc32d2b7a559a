package com.infosysta.gateway.problem;

/**
 * Recognises failures of one concern (for example the upstream call) and names the problem to answer with.
 * Each concern contributes its own classifier so this package needs to know none of them.
 */
@FunctionalInterface
public interface ProblemClassifier {

	/**
	 * @param failure one throwable of the failure's cause chain, outermost first
	 * @return the problem type, or {@code null} when this classifier does not know the failure
	 */
	ProblemType classify(Throwable failure);

}
